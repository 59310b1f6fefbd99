#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Reusable packing buffers for the blocked GEMM: one workspace per running thread, taken
// from a small locked pool and returned after the call, so repeated calls do not allocate.

extension GEMM {
    /// Packed-A and packed-B storage of one thread (64-byte aligned, grown on demand).
    final class Workspace {
        private(set) var packedA: UnsafeMutablePointer<Float>
        private(set) var packedB: UnsafeMutablePointer<Float>
        private var capacityA = 0
        private var capacityB = 0

        init() {
            packedA = Workspace.allocate(16)
            packedB = Workspace.allocate(16)
            capacityA = 16
            capacityB = 16
        }

        deinit {
            packedA.deallocate()
            packedB.deallocate()
        }

        /// Makes room for `a` floats of packed A and `b` floats of packed B.
        func reserve(a: Int, b: Int) {
            if a > capacityA {
                packedA.deallocate()
                packedA = Workspace.allocate(a)
                capacityA = a
            }
            if b > capacityB {
                packedB.deallocate()
                packedB = Workspace.allocate(b)
                capacityB = b
            }
        }

        private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
            UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
                .bindMemory(to: Float.self, capacity: count)
        }
    }

    /// A locked stack of idle workspaces (at most `limit` are kept).
    final class WorkspacePool: @unchecked Sendable {
        private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        private var idle: [Workspace] = []
        private let limit = 8

        init() { pthread_mutex_init(mutex, nil) }

        func take() -> Workspace {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return idle.popLast() ?? Workspace()
        }

        func give(_ workspace: Workspace) {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            if idle.count < limit { idle.append(workspace) }
        }
    }

    static let workspaces = WorkspacePool()
}
