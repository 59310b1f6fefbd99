import Foundation
import TerminalUI

/// What the dashboard needs from a terminal (the ncurses backend provides it).
public protocol DashboardTerminal: AnyObject {
    var size: (width: Int, height: Int) { get }
    var theme: Theme { get }
    /// Shows a frame, sending only what changed; returns the cells sent.
    @discardableResult func draw(_ buffer: CellBuffer) -> Int
    /// Waits up to the timeout for a key (nil: none).
    func readKey(timeoutMilliseconds: Int) -> Key?
}

/// The dashboard's main loop: keys and ticks in, effects run, frames out.
///
/// Idle cost: one key wait of `keyTimeoutMilliseconds`, a listing every second, and a
/// frame only when something changed.
public struct DashboardProgram {
    public var keyTimeoutMilliseconds = 250
    public var runner: EffectRunner
    public var clock: () -> Double = { ProcessInfo.processInfo.systemUptime }

    public init(runner: EffectRunner) {
        self.runner = runner
    }

    /// Runs until the user quits.
    public func run(on terminal: DashboardTerminal) {
        let size = terminal.size
        var state = DashboardState(width: size.width, height: size.height, theme: terminal.theme)
        var pending = DashboardState.initialEffects()
        var dirty = true
        while true {
            // Run effects until none are left (their messages may ask for more).
            var budget = 64
            while !pending.isEmpty && budget > 0 {
                let effect = pending.removeFirst()
                if effect == .quit { return }
                for message in runner.perform(effect) {
                    pending += state.update(message)
                    dirty = true
                }
                budget -= 1
            }
            if state.quitting { return }
            if dirty {
                var buffer = CellBuffer(width: state.width, height: state.height)
                state.render(into: &buffer)
                terminal.draw(buffer)
                dirty = false
            }
            if let key = terminal.readKey(timeoutMilliseconds: keyTimeoutMilliseconds) {
                if key == .resize {
                    let now = terminal.size
                    pending += state.update(.resized(width: now.width, height: now.height))
                } else {
                    pending += state.update(.key(key))
                }
                dirty = true
            }
            let hadNotice = state.context.notice != nil
            pending += state.update(.tick(now: clock()))
            if hadNotice != (state.context.notice != nil) { dirty = true }
            if pending.contains(.quit) || state.quitting { return }
        }
    }
}
