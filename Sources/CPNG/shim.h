#ifndef SIMLAB_CPNG_SHIM_H
#define SIMLAB_CPNG_SHIM_H

/* PNG decoding through libpng's simplified API. libpng reports errors by longjmp; the
 * simplified API catches them inside libpng and returns 0 with a message, so no jump ever
 * crosses into Swift. These wrappers only turn that into a status and a message buffer. */

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The PNG's own size and colour type, without decoding the pixels. Returns 1, or 0 with
 * `message` (at least 64 bytes) set. `is_colour` is 1 for RGB, RGBA and palette images. */
static inline int simlab_png_header(const void *data, size_t size, int *width, int *height,
                                    int *is_colour, int *has_alpha, char *message, size_t message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        snprintf(message, message_size, "%s", image.message);
        png_image_free(&image);
        return 0;
    }
    *width = (int)image.width;
    *height = (int)image.height;
    *is_colour = (image.format & PNG_FORMAT_FLAG_COLOR) != 0 || (image.format & PNG_FORMAT_FLAG_COLORMAP) != 0;
    *has_alpha = (image.format & PNG_FORMAT_FLAG_ALPHA) != 0;
    png_image_free(&image);
    return 1;
}

/* Decodes a PNG into `pixels` (width × height × channels bytes, interleaved, 8 bits):
 * channels 1 gives grey, 3 gives RGB. Palettes, 16-bit samples and grey↔RGB are converted
 * by libpng; alpha is removed by compositing onto black. Returns 1, or 0 with `message` set
 * (corrupt data, or a size other than expected_width × expected_height). */
static inline int simlab_png_decode(const void *data, size_t size, int channels, int expected_width,
                                    int expected_height, unsigned char *pixels, char *message, size_t message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        snprintf(message, message_size, "%s", image.message);
        png_image_free(&image);
        return 0;
    }
    if ((int)image.width != expected_width || (int)image.height != expected_height) {
        snprintf(message, message_size, "image is %ux%u, expected %dx%d",
                 image.width, image.height, expected_width, expected_height);
        png_image_free(&image);
        return 0;
    }
    image.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    png_color black = {0, 0, 0};
    if (!png_image_finish_read(&image, &black, pixels, 0, NULL)) {
        snprintf(message, message_size, "%s", image.message);
        png_image_free(&image);
        return 0;
    }
    return 1;
}

/* Writes width × height × channels interleaved 8-bit pixels (channels 1, 2, 3 or 4: grey,
 * grey+alpha, RGB, RGBA) as a PNG file. Returns 1, or 0 with `message` set. For tests and
 * tools that make image folders. */
static inline int simlab_png_write(const char *path, int width, int height, int channels,
                                   const unsigned char *pixels, char *message, size_t message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = channels == 4 ? PNG_FORMAT_RGBA : channels == 3 ? PNG_FORMAT_RGB
                 : channels == 2 ? PNG_FORMAT_GA : PNG_FORMAT_GRAY;
    if (!png_image_write_to_file(&image, path, 0, pixels, 0, NULL)) {
        snprintf(message, message_size, "%s", image.message);
        png_image_free(&image);
        return 0;
    }
    return 1;
}

#endif
