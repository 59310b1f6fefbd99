import Foundation

/// What a run's dataset is, as checked when the run was created: config.json's `dataset`
/// member. With the settings it is what rebuilds the model (input channels and size, class
/// count) and names the classes without reading the data again.
///
///     "dataset": {"format": "cifar-10", "channels": 3, "height": 32, "width": 32,
///                 "classNames": ["airplane", …], "trainCount": 50000, "testCount": 10000}
public struct DatasetInfo: Equatable, Sendable {
    /// "idx", "cifar-10", "cifar-100" or "image-folder".
    public var format: String
    public var channels: Int
    public var height: Int
    public var width: Int
    /// In label order (label i is `classNames[i]`); an image folder's sorted class folders.
    public var classNames: [String]
    public var trainCount: Int
    public var testCount: Int

    public init(format: String, channels: Int, height: Int, width: Int, classNames: [String],
                trainCount: Int, testCount: Int) {
        self.format = format
        self.channels = channels
        self.height = height
        self.width = width
        self.classNames = classNames
        self.trainCount = trainCount
        self.testCount = testCount
    }

    public var classCount: Int { classNames.count }

    public var json: JSONValue {
        .object([
            "format": .string(format),
            "channels": .number(Double(channels)),
            "height": .number(Double(height)),
            "width": .number(Double(width)),
            "classNames": .array(classNames.map { .string($0) }),
            "trainCount": .number(Double(trainCount)),
            "testCount": .number(Double(testCount)),
        ])
    }

    /// Reads the member (`path` names config.json in errors).
    public init(json object: JSONObject, path: String) throws {
        let r = FieldReader(object: object, path: path)
        format = try r.string("format")
        channels = try r.int("channels")
        height = try r.int("height")
        width = try r.int("width")
        trainCount = try r.optionalInt("trainCount") ?? 0
        testCount = try r.optionalInt("testCount") ?? 0
        guard case .array(let names)? = object["classNames"] else { throw r.fail("classNames", "an array of strings") }
        classNames = try names.map { name in
            guard let text = name.stringValue else { throw r.fail("classNames", "an array of strings") }
            return text
        }
    }
}
