// swift-tools-version:6.0
import PackageDescription

// The libFuzzer targets of simlab's readers, a package of its own so the main build and its
// tests never see them. Built by scripts/fuzz.sh with
//     swift build -c release -Xswiftc -sanitize=fuzzer,address
// into one executable; SIMLAB_FUZZ_TARGET picks the reader (see Sources/simlab-fuzz).
let package = Package(
    name: "simlab-fuzz",
    dependencies: [
        .package(name: "simlab", path: ".."),
    ],
    targets: [
        .target(name: "FuzzAllocations"),
        .executableTarget(name: "simlab-fuzz", dependencies: [
            "FuzzAllocations",
            .product(name: "RunStore", package: "simlab"),
            .product(name: "Training", package: "simlab"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
