// swift-tools-version:6.0
import PackageDescription

// The numeric modules are built for x86-64 CPUs with AVX2 and FMA: without FMA,
// `SIMD.addingProduct` lowers to a libm call per lane. Other architectures
// (arm64) use their own native SIMD and need no flags.
#if arch(x86_64)
let vectorFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"])]
#else
let vectorFlags: [SwiftSetting] = []
#endif
let numericSettings: [SwiftSetting] = vectorFlags + [
    .unsafeFlags(["-Ounchecked", "-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "simlab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "simlab", targets: ["simlab"]),
        // For the fuzz package in Fuzz/, which feeds bytes to the readers.
        .library(name: "RunStore", targets: ["RunStore"]),
        .library(name: "Training", targets: ["Training"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncurses-dev"])]),

        .target(name: "TensorCore", swiftSettings: numericSettings),
        .target(name: "NeuralNetwork", dependencies: ["TensorCore"], swiftSettings: numericSettings),
        .target(name: "Neighbours", dependencies: ["TensorCore"], swiftSettings: numericSettings),
        .target(name: "RunStore", dependencies: ["CZlib"]),
        .target(name: "Training",
                dependencies: ["TensorCore", "NeuralNetwork", "Neighbours", "RunStore", "CZlib", "CPNG"],
                swiftSettings: numericSettings),
        .target(name: "Worker", dependencies: ["Training", "RunStore"]),
        .target(name: "TerminalUI"),
        .target(name: "Dashboard", dependencies: ["TerminalUI", "RunStore"]),
        .target(name: "NcursesBackend", dependencies: ["TerminalUI", "CNcursesw"]),
        .executableTarget(name: "simlab", dependencies: [
            "TensorCore", "NeuralNetwork", "Neighbours", "RunStore", "Training", "Worker",
            "TerminalUI", "Dashboard", "NcursesBackend",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: vectorFlags),

        .testTarget(name: "TensorCoreTests", dependencies: ["TensorCore"]),
        .testTarget(name: "NeuralNetworkTests", dependencies: ["NeuralNetwork", "TensorCore"]),
        .testTarget(name: "NeighboursTests", dependencies: ["Neighbours", "TensorCore"]),
        .testTarget(name: "RunStoreTests", dependencies: ["RunStore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "NeuralNetwork", "TensorCore", "RunStore", "CPNG"]),
        .testTarget(name: "WorkerTests", dependencies: ["Worker", "RunStore", "Training", "Dashboard", "CPNG"]),
        .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI"]),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "TerminalUI", "RunStore"],
                    resources: [.copy("Snapshots")]),
    ],
    swiftLanguageModes: [.v5]
)
