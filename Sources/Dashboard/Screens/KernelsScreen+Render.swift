import RunStore
import TerminalUI

extension KernelsScreen {
    public func render(in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        guard let run = context.runs.open, let view, view.runID == run.id else {
            context.renderNoRun(in: area, buffer: &buffer)
            return
        }
        let (header, body) = area.splitTop(1)
        context.renderEpochStrip(title: "Kernels · \(run.name)", epochs: view.epochs,
                         index: view.epochIndex, in: header, buffer: &buffer)
        guard let snapshot = view.snapshot else {
            let message = view.error ?? (view.epochs.isEmpty
                ? "No kernel snapshots yet (kernels/epoch-NNN.json is written at the end of each epoch)."
                : "Loading…")
            Paragraph(message, style: view.error == nil ? context.theme.muted : context.theme.error, alignment: .center, wrap: true)
                .render(in: body.inset(top: body.height / 2), buffer: &buffer)
            return
        }
        guard !snapshot.layers.isEmpty else {
            Paragraph("Epoch \(snapshot.epoch): this model has no similarity layers (variant conv has M = I).",
                      style: context.theme.muted, alignment: .center).render(in: body.inset(top: body.height / 2), buffer: &buffer)
            return
        }
        let (listArea, detailArea) = body.splitLeft(min(38, body.width / 3))   // 38: full layer names from 114 columns on
        let listBlock = Block(title: "Layers", focused: true, theme: context.theme)
        listBlock.render(in: listArea, buffer: &buffer)
        let listInner = listBlock.inner(listArea)
        // Each layer: its name and a one-row overview of its kernel shape.
        var tableState = TableState(selected: view.layerIndex)
        let rows = snapshot.layers.map { layer -> [String] in
            [layer.name, layer.variant, KernelsScreen.shapeSummary(layer)]
        }
        Table(columns: [TableColumn("layer", width: .flex(2)), TableColumn("variant", width: .fixed(12)),
                        TableColumn("spread", width: .fixed(6), alignment: .right)],
              rows: rows, theme: context.theme).render(in: listInner, buffer: &buffer, state: &tableState)
        let layer = snapshot.layers[min(view.layerIndex, snapshot.layers.count - 1)]
        renderLayer(layer, isFirst: view.layerIndex == 0, classIndex: view.classIndex,
                    classNames: view.snapshot?.classNames ?? [], allLayers: snapshot.layers,
                    selectedLayer: view.layerIndex, in: detailArea, buffer: &buffer, context)
        if let error = view.error {
            buffer.write("⚠ " + error, x: body.x, y: body.maxY - 1, maxWidth: body.width, style: context.theme.error, clip: body)
        }
    }

    /// max − min of the layer's kernel-shape map ("—" when it has none).
    static func shapeSummary(_ layer: KernelSnapshot.Layer) -> String {
        guard let map = layer.shapeMap?.filter(\.isFinite), let lo = map.min(), let hi = map.max() else { return "—" }
        return NumberFormat.compact(hi - lo, significant: 2)
    }

    func heatmap(_ values: [Double], side: Int, center: Double, cellWidth: Int? = nil, showValues: Bool = true,
                 legend: Bool = true, _ context: ScreenContext) -> Heatmap? {
        guard side > 0, values.count == side * side else { return nil }
        return Heatmap(rows: side, columns: side, values: values, center: center, cellWidth: cellWidth,
                       showValues: showValues, decimals: 2, showLegend: legend, colorMode: context.theme.colorMode)
    }

    func renderLayer(_ layer: KernelSnapshot.Layer, isFirst: Bool, classIndex: Int, classNames: [String] = [],
                     allLayers: [KernelSnapshot.Layer] = [], selectedLayer: Int = 0,
                     in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        let block = Block(title: "\(layer.name) · \(layer.variant) · \(layer.kernelSize)×\(layer.kernelSize)", theme: context.theme)
        block.render(in: area, buffer: &buffer)
        let inner = block.inner(area).inset(left: 1, right: 1)
        let k = layer.kernelSize, taps = k * k
        var panels: [(title: String, draw: (Rect, inout CellBuffer) -> Void, width: Int, height: Int)] = []
        let isFull = layer.variant.hasSuffix("full")
        let isDynamic = layer.variant.hasPrefix("dynamic")
        if let map = layer.shapeMap, let h = heatmap(map, side: k, center: 1, cellWidth: 6, context) {
            let what = isFull ? "diag(M)" : (isDynamic ? "mean of 1+g" : "kernel shape m")
            panels.append((what, { h.render(in: $0, buffer: &$1) }, k * 7 + 2, k + 2))
        }
        if let active = layer.activeTaps {
            panels.append(Self.tapShapePanel(layer, active: active, context))
        }
        if allLayers.contains(where: { $0.activeTaps != nil }) {
            panels.append(Self.allShapesPanel(allLayers, selected: selectedLayer, width: inner.width, context))
        }
        if let spread = layer.diagonalSpread, let h = heatmap(spread, side: k, center: 0, cellWidth: 6, context) {
            panels.append(("spread of 1+g", { h.render(in: $0, buffer: &$1) }, k * 7 + 2, k + 2))
        }
        if isFull, let matrix = layer.matrix, matrix.count == taps * taps {
            let h = Heatmap(rows: taps, columns: taps, values: matrix, center: 0, cellWidth: 3, showValues: false,
                            showLegend: true, colorMode: context.theme.colorMode)
            panels.append(("M (\(taps)×\(taps))", { h.render(in: $0, buffer: &$1) }, taps * 3 + 2, taps + 2))
        }
        if let perClass = layer.perClassDiagonal, !perClass.isEmpty {
            let c = min(classIndex, perClass.count - 1)
            let maps = perClass.compactMap { $0.count == taps ? $0 : nil }
            if maps.count == perClass.count {
                let all = maps.flatMap { $0 }.filter(\.isFinite)
                let spread = all.map { abs($0 - 1) }.max() ?? 1
                let classCount = maps.count
                let name = c < classNames.count ? "\(c) \(classNames[c])" : "class \(c)"
                panels.append(("per class (l: \(name))", { rect, buffer in
                    var x = rect.x
                    var y = rect.y
                    let w = k * 2 + 1
                    for (i, map) in maps.enumerated() {
                        if x + w > rect.maxX { x = rect.x; y += k + 2 }
                        guard y + k + 1 <= rect.maxY else { break }
                        let labelStyle = i == c ? context.theme.selection : context.theme.muted
                        buffer.write(Text.fit(String(i), width: w - 1), x: x, y: y, style: labelStyle, clip: rect)
                        Heatmap(rows: k, columns: k, values: map, center: 1, spread: spread, cellWidth: 2, showValues: false,
                                showLegend: false, colorMode: context.theme.colorMode)
                            .render(in: Rect(x: x, y: y + 1, width: k * 2, height: k), buffer: &buffer)
                        x += w
                    }
                    _ = classCount
                }, min(inner.width, classCount * (k * 2 + 1)), 2 * (k + 2)))
            }
        }
        if isFirst, let kernels = layer.effectiveKernels, kernels.isConsistent {
            let (o, cIn, kh, kw) = (kernels.shape[0], kernels.shape[1], kernels.shape[2], kernels.shape[3])
            let spread = kernels.values.filter(\.isFinite).map(abs).max() ?? 1
            panels.append(("effective kernels W·M (\(o)×\(cIn)×\(kh)×\(kw), channel 0)", { rect, buffer in
                var x = rect.x
                var y = rect.y
                for out in 0..<o {
                    if x + kw * 2 > rect.maxX { x = rect.x; y += kh + 1 }
                    guard y + kh <= rect.maxY else { break }
                    let start = out * cIn * kh * kw
                    let values = Array(kernels.values[start..<(start + kh * kw)])
                    Heatmap(rows: kh, columns: kw, values: values, center: 0, spread: spread, cellWidth: 2, showValues: false,
                            showLegend: false, colorMode: context.theme.colorMode)
                        .render(in: Rect(x: x, y: y, width: kw * 2, height: kh), buffer: &buffer)
                    x += kw * 2 + 1
                }
            }, inner.width, 2 * (kh + 1) + 1))
        }
        guard !panels.isEmpty else {
            Paragraph("This snapshot has no kernel data for the layer.", style: context.theme.muted).render(in: inner, buffer: &buffer)
            return
        }
        // Flow the panels left to right, wrapping to new rows.
        var x = inner.x, y = inner.y, rowHeight = 0
        for panel in panels {
            let w = min(panel.width, inner.width), h = panel.height
            if x > inner.x && x + w > inner.maxX { x = inner.x; y += rowHeight + 1; rowHeight = 0 }
            guard y < inner.maxY else { break }
            let rect = Rect(x: x, y: y, width: w, height: min(h, inner.maxY - y))
            buffer.write(panel.title, x: rect.x, y: rect.y, maxWidth: rect.width, style: context.theme.title, clip: inner)
            panel.draw(rect.inset(top: 1).intersection(inner), &buffer)
            x += w + 2
            rowHeight = max(rowHeight, h)
        }
    }

    /// The layer's Boolean kernel shape d after the epoch (■ on, · off), each tap with how
    /// often it flipped during the epoch.
    static func tapShapePanel(_ layer: KernelSnapshot.Layer, active: [Bool], _ context: ScreenContext)
        -> (title: String, draw: (Rect, inout CellBuffer) -> Void, width: Int, height: Int) {
        let k = layer.kernelSize, taps = k * k
        let flips = layer.tapFlips?.count == taps ? layer.tapFlips : nil
        let title = "shape d · \(layer.kernelShape ?? "mask") · \(active.filter { $0 }.count)/\(taps) on"
            + (flips == nil ? "" : " · flips")
        let cell = flips == nil ? 2 : 6
        return (title, { rect, buffer in
            for row in 0..<k where row < rect.height {
                for column in 0..<k {
                    let t = row * k + column, x = rect.x + column * cell
                    buffer.write(active[t] ? "■" : "·", x: x, y: rect.y + row,
                                 style: active[t] ? context.theme.good : context.theme.muted, clip: rect)
                    if let flips {
                        buffer.write(Text.fit(String(flips[t]), width: 3), x: x + 2, y: rect.y + row,
                                     style: context.theme.muted, clip: rect)
                    }
                }
            }
            if flips != nil, k < rect.height {
                buffer.write("■ on · off, n: flips this epoch", x: rect.x, y: rect.y + k, style: context.theme.muted, clip: rect)
            }
        }, max(k * cell + 2, title.count), k + 2)
    }

    /// Every layer's Boolean shape at this epoch, labelled stage.block ("2.1") or its place in
    /// the list (the selected one highlighted); a layer without a mask shows "full".
    static func allShapesPanel(_ layers: [KernelSnapshot.Layer], selected: Int, width: Int, _ context: ScreenContext)
        -> (title: String, draw: (Rect, inout CellBuffer) -> Void, width: Int, height: Int) {
        let side = layers.map(\.kernelSize).max() ?? 3
        let block = max(side * 2 + 1, 5)
        let perRow = max(1, width / block), rows = (layers.count + perRow - 1) / perRow
        return ("shapes of all layers", { rect, buffer in
            for (i, layer) in layers.enumerated() {
                let x = rect.x + (i % perRow) * block, y = rect.y + (i / perRow) * (side + 2)
                guard y + 1 <= rect.maxY else { break }
                let number = layer.name.split(separator: ".").map { $0.filter(\.isNumber) }.joined(separator: ".")
                buffer.write(number.count > 1 && number.count < block ? number : String(i + 1), x: x, y: y, style: i == selected ? context.theme.selection : context.theme.muted,
                             clip: rect)
                guard let active = layer.activeTaps else {
                    buffer.write("full", x: x, y: y + 1, style: context.theme.muted, clip: rect)
                    continue
                }
                let k = layer.kernelSize
                for row in 0..<k {
                    let line = (0..<k).map { active[row * k + $0] ? "■" : "·" }.joined(separator: " ")
                    buffer.write(line, x: x, y: y + 1 + row, style: context.theme.text, clip: rect)
                }
            }
        }, min(width, max(20, min(layers.count, perRow) * block)), rows * (side + 2) + 1)
    }
}
