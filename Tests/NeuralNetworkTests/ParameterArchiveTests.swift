import XCTest
import TensorCore
@testable import NeuralNetwork

/// A layer with a buffer, standing in for BatchNorm's running statistics: y = x·scale + shift.
private final class ScaleWithBuffer: Layer {
    let scale: Parameter
    let shift: Parameter
    init(name: String, width: Int, generator: inout SeededGenerator) {
        scale = Parameter(name: "\(name).scale", value: .randomNormal(shape: [width], generator: &generator))
        shift = Parameter(name: "\(name).runningShift", value: .randomNormal(shape: [width], generator: &generator))
    }
    var parameters: [Parameter] { [scale] }
    var buffers: [Parameter] { [shift] }
    func forward(_ input: Tensor, mode: ForwardMode) -> Tensor {
        var output = input
        let width = scale.value.count
        for i in 0..<output.count {
            output.scalars[i] = input.scalars[i] * scale.value.scalars[i % width] + shift.value.scalars[i % width]
        }
        return output
    }
    func backward(_ outputGradient: Tensor) -> Tensor { fatalError("not needed") }
}

final class ParameterArchiveTests: XCTestCase {
    private func makeModel(seed: UInt64, hidden: Int = 5) -> Sequential {
        var generator = SeededGenerator(seed: seed)
        return Sequential([
            Linear(inputFeatures: 3, outputFeatures: hidden, name: "a", generator: &generator),
            ReLU(),
            ScaleWithBuffer(name: "s", width: hidden, generator: &generator),
            Linear(inputFeatures: hidden, outputFeatures: 2, name: "b", generator: &generator),
        ])
    }

    func testRoundTripIntoDifferentlySeededModel() throws {
        var generator = SeededGenerator(seed: 3)
        let input = Tensor.randomNormal(shape: [4, 3], generator: &generator)
        let source = makeModel(seed: 1)
        let target = makeModel(seed: 2)
        XCTAssertNotEqual(source.forward(input, mode: .inference), target.forward(input, mode: .inference),
                          "differently seeded models must differ before loading")

        let archive = ParameterArchive(source)
        XCTAssertEqual(archive.names, ["a.weight", "a.bias", "s.scale", "b.weight", "b.bias", "s.runningShift"])
        XCTAssertEqual(archive["a.weight"]?.shape, [5, 3])
        try archive.load(into: target)
        XCTAssertEqual(source.forward(input, mode: .inference), target.forward(input, mode: .inference))
        XCTAssertEqual(ParameterArchive(target), archive)
    }

    func testArchiveIsASnapshot() {
        let model = makeModel(seed: 1)
        let archive = ParameterArchive(model)
        model.parameters[0].value.scalars[0] += 1
        XCTAssertNotEqual(archive.entries[0].values[0], model.parameters[0].value.scalars[0])
    }

    func testShapeMismatchNamesBothShapes() {
        let archive = ParameterArchive(makeModel(seed: 1, hidden: 5))
        let target = makeModel(seed: 2, hidden: 6)
        let before = ParameterArchive(target)
        XCTAssertThrowsError(try archive.load(into: target)) { error in
            XCTAssertEqual(error as? ParameterArchiveError,
                           .shapeMismatch(name: "a.weight", model: [6, 3], archive: [5, 3]))
            let message = "\(error)"
            XCTAssertTrue(message.contains("a.weight") && message.contains("[6, 3]") && message.contains("[5, 3]"), message)
        }
        XCTAssertEqual(ParameterArchive(target), before, "a failed load must leave the model unchanged")
    }

    func testMissingAndUnusedNames() throws {
        var archive = ParameterArchive(makeModel(seed: 1))
        let removed = archive.entries.remove(at: 5)
        XCTAssertThrowsError(try archive.load(into: makeModel(seed: 2))) { error in
            XCTAssertEqual(error as? ParameterArchiveError, .missing(name: "s.runningShift", shape: [5]))
            XCTAssertTrue("\(error)".contains("s.runningShift"), "\(error)")
        }
        archive.entries.append(removed)
        archive.entries.append(.init(name: "extra.weight", shape: [1], values: [0]))
        XCTAssertThrowsError(try archive.load(into: makeModel(seed: 2))) { error in
            XCTAssertEqual(error as? ParameterArchiveError, .unused(names: ["extra.weight"]))
        }
        try archive.load(into: makeModel(seed: 2), allowUnused: true)

        archive.entries.append(archive.entries[0])
        XCTAssertThrowsError(try archive.load(into: makeModel(seed: 2), allowUnused: true)) { error in
            XCTAssertEqual(error as? ParameterArchiveError, .duplicateName("a.weight", inArchive: true))
        }
    }
}
