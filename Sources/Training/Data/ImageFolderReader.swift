import CPNG
import Foundation

/// A dataset of PNG files in one folder per class: `DIR/train/CLASS/*.png` and
/// `DIR/test/CLASS/*.png`.
///
/// Classes are the training folder's sub-folders in sorted order (label i is the i-th name);
/// every test class must be one of them. Files are taken in sorted name order; files not
/// ending in `.png` and hidden entries are ignored. All images must have one size. The
/// dataset is grey (1 channel) when every image is grey, else RGB (3 channels, grey images
/// replicated); alpha is removed by compositing onto black. Decoding is libpng's (through
/// the CPNG shim), which also expands palettes and reduces 16-bit samples to 8 bits.
public struct ImageFolderReader: Sendable {
    public struct Entry: Equatable, Sendable {
        public let path: String
        public let label: Int
    }

    public let directory: String
    public let classNames: [String]
    public let train: [Entry]
    public let test: [Entry]

    /// Lists the folders and files (no image is read).
    public init(directory: String) throws {
        self.directory = directory
        let trainDirectory = (directory as NSString).appendingPathComponent("train")
        let testDirectory = (directory as NSString).appendingPathComponent("test")
        let classNames = try Self.subfolders(trainDirectory)
        guard !classNames.isEmpty else {
            throw DatasetError.badFolder(path: trainDirectory, reason: "no class folders (expected train/CLASS/*.png)")
        }
        self.classNames = classNames
        var train: [Entry] = []
        for (label, name) in classNames.enumerated() {
            let folder = (trainDirectory as NSString).appendingPathComponent(name)
            let files = try Self.pngFiles(folder)
            guard !files.isEmpty else { throw DatasetError.badFolder(path: folder, reason: "class folder has no .png images") }
            train += files.map { Entry(path: $0, label: label) }
        }
        var test: [Entry] = []
        for name in try Self.subfolders(testDirectory) {
            let folder = (testDirectory as NSString).appendingPathComponent(name)
            guard let label = classNames.firstIndex(of: name) else {
                throw DatasetError.badFolder(path: folder, reason: "test class '\(name)' has no training folder "
                                             + "(training classes: \(classNames.joined(separator: ", ")))")
            }
            test += try Self.pngFiles(folder).map { Entry(path: $0, label: label) }
        }
        guard !test.isEmpty else { throw DatasetError.badFolder(path: testDirectory, reason: "no .png images in test/CLASS/") }
        self.train = train
        self.test = test
    }

    /// Reads every image's header: the common size and the channel count (3 when any
    /// image has colour). Throws naming the first file that is not a PNG or has another size.
    public func shape() throws -> (channels: Int, height: Int, width: Int) {
        var size: (height: Int, width: Int, path: String)? = nil
        var colour = false
        for entry in train + test {
            let header = try Self.header(entry.path)
            if let size, size.height != header.height || size.width != header.width {
                throw DatasetError.imageSizeDiffers(path: entry.path, found: [header.height, header.width],
                                                    expected: [size.height, size.width], firstPath: size.path)
            }
            if size == nil { size = (header.height, header.width, entry.path) }
            colour = colour || header.isColour
        }
        guard let size else { throw DatasetError.badFolder(path: directory, reason: "no images") }
        return (colour ? 3 : 1, size.height, size.width)
    }

    /// Decodes the entries into an N × C × H × W dataset.
    public func load(_ entries: [Entry], channels: Int, height: Int, width: Int, name: String) throws -> ImageDataset {
        let plane = height * width
        var pixels = [UInt8](repeating: 0, count: entries.count * channels * plane)
        var interleaved = [UInt8](repeating: 0, count: channels * plane)
        for (index, entry) in entries.enumerated() {
            try Self.decode(Self.contents(entry.path), path: entry.path, channels: channels, height: height, width: width,
                            into: &interleaved)
            // libpng writes pixels interleaved (RGBRGB…); ImageDataset keeps channel planes.
            let base = index * channels * plane
            for k in 0..<plane {
                for c in 0..<channels { pixels[base + c * plane + k] = interleaved[k * channels + c] }
            }
        }
        return ImageDataset(name: name, pixels: pixels, labels: entries.map(\.label), channels: channels,
                            height: height, width: width, classCount: classNames.count, classNames: classNames)
    }

    // MARK: files

    /// Decodes PNG bytes of a `height` × `width` image into `pixels` (H × W × C interleaved,
    /// `channels` 1 or 3); any other size, or damage, throws naming `path`.
    public static func decode(_ bytes: Data, path: String, channels: Int, height: Int, width: Int,
                              into pixels: inout [UInt8]) throws {
        precondition(pixels.count == channels * height * width, "decode: \(pixels.count) bytes for \(channels)×\(height)×\(width)")
        var message = [CChar](repeating: 0, count: 256)
        let ok = bytes.withUnsafeBytes { data in
            simlab_png_decode(data.baseAddress, data.count, Int32(channels), Int32(width), Int32(height),
                              &pixels, &message, message.count)
        }
        guard ok == 1 else { throw DatasetError.badPNG(path: path, reason: String(cString: message)) }
    }

    static func header(_ path: String) throws -> (height: Int, width: Int, isColour: Bool) {
        try header(contents(path), path: path)
    }

    /// The size and colour of PNG bytes, from their header chunks (`path` names them in errors).
    public static func header(_ bytes: Data, path: String) throws -> (height: Int, width: Int, isColour: Bool) {
        var width: Int32 = 0, height: Int32 = 0, colour: Int32 = 0, alpha: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let ok = bytes.withUnsafeBytes { data in
            simlab_png_header(data.baseAddress, data.count, &width, &height, &colour, &alpha, &message, message.count)
        }
        guard ok == 1 else { throw DatasetError.badPNG(path: path, reason: String(cString: message)) }
        return (Int(height), Int(width), colour != 0)
    }

    static func contents(_ path: String) throws -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DatasetError.unreadable(path: path, reason: error.localizedDescription)
        }
    }

    /// Sorted names of the visible sub-folders of `path`, which must be a directory.
    static func subfolders(_ path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError.badFolder(path: path, reason: "missing: an image folder dataset needs train/CLASS/*.png and test/CLASS/*.png")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { !$0.hasPrefix(".") }
        return names.filter { name in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent(name), isDirectory: &isFolder)
                && isFolder.boolValue
        }.sorted()
    }

    /// Sorted paths of the `.png` files (any case) in `folder`.
    static func pngFiles(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { !$0.hasPrefix(".") && $0.lowercased().hasSuffix(".png") }
            .sorted()
            .map { (folder as NSString).appendingPathComponent($0) }
    }
}
