import Foundation

/// Where the dataset lives: `--data DIR`, else `$SIMLAB_DATA`, else Debian's Fashion-MNIST.
public struct DatasetLocation: Equatable, Sendable {
    public enum Source: String, Sendable {
        case argument = "given with --data"
        case environment = "from SIMLAB_DATA"
        case standard = "the default location"
    }

    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    public static let environmentVariable = "SIMLAB_DATA"
    public static let standardNames = (trainImages: "train-images-idx3-ubyte", trainLabels: "train-labels-idx1-ubyte",
                                       testImages: "t10k-images-idx3-ubyte", testLabels: "t10k-labels-idx1-ubyte")

    public let directory: String
    public let source: Source

    public init(directory: String, source: Source) {
        self.directory = directory
        self.source = source
    }

    /// Resolves the directory: explicit argument > environment > default. Empty values count as unset.
    public static func resolve(explicit: String?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) -> DatasetLocation {
        if let explicit, !explicit.isEmpty { return DatasetLocation(directory: explicit, source: .argument) }
        if let value = environment[environmentVariable], !value.isEmpty {
            return DatasetLocation(directory: value, source: .environment)
        }
        return DatasetLocation(directory: defaultDirectory, source: .standard)
    }

    /// The four files' paths.
    public struct Files: Equatable, Sendable {
        public let trainImages: String
        public let trainLabels: String
        public let testImages: String
        public let testLabels: String
    }

    /// Finds the four files by their standard names, each plain or with `.gz` (plain wins).
    public func files() throws -> Files {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError.directoryNotFound(path: directory, chosenBy: source.rawValue)
        }
        let names = DatasetLocation.standardNames
        var missing: [String] = []
        func find(_ name: String) -> String {
            for candidate in [name, name + ".gz"] {
                let path = (directory as NSString).appendingPathComponent(candidate)
                if FileManager.default.fileExists(atPath: path) { return path }
            }
            missing.append("\(name)[.gz]")
            return ""
        }
        let files = Files(trainImages: find(names.trainImages), trainLabels: find(names.trainLabels),
                          testImages: find(names.testImages), testLabels: find(names.testLabels))
        guard missing.isEmpty else { throw DatasetError.fileNotFound(directory: directory, lookedFor: missing) }
        return files
    }

    /// "Fashion-MNIST" when the directory name says so, else the directory name (for CIFAR
    /// files, "CIFAR-10" or "CIFAR-100").
    public var datasetName: String {
        let last = (directory as NSString).standardizingPath.split(separator: "/").last.map(String.init) ?? directory
        if last.lowercased().contains("fashion") { return "Fashion-MNIST" }
        switch DatasetFormat.recognise(in: directory) {
        case .cifar10?: return "CIFAR-10"
        case .cifar100?: return "CIFAR-100"
        default: return last
        }
    }
}
