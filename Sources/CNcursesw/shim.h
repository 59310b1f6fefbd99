#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <ncursesw/curses.h>

/* Function-like macros and globals that Swift cannot import directly. */
static inline WINDOW *cnc_stdscr(void) { return stdscr; }
static inline WINDOW *cnc_curscr(void) { return curscr; }
static inline int cnc_err(void) { return ERR; }
static inline int cnc_ok(void) { return OK; }
static inline int cnc_key_code_yes(void) { return KEY_CODE_YES; }
static inline int cnc_colors(void) { return COLORS; }
/* Whether the current terminal can move the cursor (its terminfo has "cup"): TERM=dumb cannot. */
static inline int cnc_can_address_cursor(void) {
    char *cup = tigetstr("cup");
    return cup != NULL && cup != (char *)-1;
}
static inline int cnc_color_pairs(void) { return COLOR_PAIRS; }
static inline int cnc_lines(void) { return LINES; }
static inline int cnc_cols(void) { return COLS; }
static inline attr_t cnc_a_normal(void) { return A_NORMAL; }
static inline attr_t cnc_a_bold(void) { return A_BOLD; }
static inline attr_t cnc_a_dim(void) { return A_DIM; }
static inline attr_t cnc_a_reverse(void) { return A_REVERSE; }
static inline attr_t cnc_a_underline(void) { return A_UNDERLINE; }
static inline attr_t cnc_a_italic(void) { return A_ITALIC; }

enum {
    CNC_KEY_DOWN = KEY_DOWN, CNC_KEY_UP = KEY_UP, CNC_KEY_LEFT = KEY_LEFT, CNC_KEY_RIGHT = KEY_RIGHT,
    CNC_KEY_HOME = KEY_HOME, CNC_KEY_END = KEY_END, CNC_KEY_BACKSPACE = KEY_BACKSPACE,
    CNC_KEY_F0 = KEY_F0, CNC_KEY_DC = KEY_DC, CNC_KEY_IC = KEY_IC, CNC_KEY_NPAGE = KEY_NPAGE,
    CNC_KEY_PPAGE = KEY_PPAGE, CNC_KEY_ENTER = KEY_ENTER, CNC_KEY_BTAB = KEY_BTAB,
    CNC_KEY_RESIZE = KEY_RESIZE, CNC_KEY_MOUSE = KEY_MOUSE
};

/* Draws one single-scalar cell; returns ERR/OK like mvwadd_wch. */
static inline int cnc_put(WINDOW *win, int y, int x, unsigned int scalar, attr_t attrs, short pair) {
    wchar_t text[2] = { (wchar_t)scalar, 0 };
    cchar_t cell;
    if (setcchar(&cell, text, attrs, pair, NULL) == ERR) return ERR;
    return mvwadd_wch(win, y, x, &cell);
}

/* 1 when the current locale's character set is UTF-8. */
static inline int cnc_locale_is_utf8(void) {
    const char *codeset = nl_langinfo(CODESET);
    return codeset && (codeset[0] == 'U' || codeset[0] == 'u') && (codeset[1] == 'T' || codeset[1] == 't');
}
