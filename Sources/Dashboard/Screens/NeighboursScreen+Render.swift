import RunStore
import TerminalUI

extension NeighboursScreen {
    public func render(in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        guard let run = context.runs.open, let view, view.runID == run.id else {
            context.renderNoRun(in: area, buffer: &buffer)
            return
        }
        guard let data = view.data else {
            let message = view.error ?? "No neighbour results yet (neighbours.json is written when training finishes with kNN evaluation)."
            Paragraph(message, style: view.error == nil ? context.theme.muted : context.theme.error, alignment: .center, wrap: true)
                .render(in: area.inset(top: area.height / 2), buffer: &buffer)
            return
        }
        let results = data.results
        let indices = filteredQueryIndices
        let (listArea, detailArea) = area.splitLeft(min(36, area.width / 3))
        let listBlock = Block(title: "Queries · \(view.filter.title) · \(indices.count)/\(results.queries.count)", focused: true, theme: context.theme)
        listBlock.render(in: listArea, buffer: &buffer)
        let rows = indices.map { i -> [String] in
            let q = results.queries[i]
            // The network's prediction: the ✓/✗ beside it (misclassified) is the network's too.
            let predicted = q.networkPrediction ?? q.blendedPrediction
            return ["#\(q.testIndex)", Text.truncate(results.className(q.label), to: 10),
                    predicted.map { Text.truncate(results.className($0), to: 10) } ?? "—",
                    (q.misclassified ? "✗" : "✓") + (q.hard ? "h" : " ")]
        }
        var styles: [Int: Style] = [:]
        for (row, i) in indices.enumerated() where results.queries[i].misclassified { styles[row] = context.theme.error }
        var tableState = TableState(selected: indices.isEmpty ? nil : view.queryIndex)
        Table(columns: [TableColumn("test", width: .fixed(6)), TableColumn("label", width: .flex(1)),
                        TableColumn("network", width: .flex(1)), TableColumn("", width: .fixed(2))],
              rows: rows, rowStyles: styles, theme: context.theme).render(in: listBlock.inner(listArea), buffer: &buffer, state: &tableState)
        guard let query = selectedQuery, let queryPosition = indices.indices.contains(view.queryIndex) ? indices[view.queryIndex] : nil else {
            Paragraph("No query matches the filter (f / l change it).", style: context.theme.muted, alignment: .center)
                .render(in: detailArea.inset(top: detailArea.height / 2), buffer: &buffer)
            return
        }
        let block = Block(title: "Test image #\(query.testIndex) and its \(query.neighbours.count) nearest training images", theme: context.theme)
        block.render(in: detailArea, buffer: &buffer)
        let inner = block.inner(detailArea).inset(left: 1, right: 1)
        // The query: an H×W image at one pixel per half cell, with its facts beside it.
        let side = results.imageWidth
        let queryRect = Rect(x: inner.x, y: inner.y, width: min(side, inner.width),
                             height: min((results.imageHeight + 1) / 2, inner.height))
        drawImage(data.queryImages[queryPosition], results: results, in: queryRect, buffer: &buffer, context)
        let facts = inner.inset(left: side + 2)
        func name(_ label: Int?) -> String { label.map { results.className($0) } ?? "—" }
        func mark(_ label: Int?) -> (String, Style) {
            guard let label else { return ("", context.theme.muted) }
            return label == query.label ? ("✓", context.theme.good) : ("✗", context.theme.error)
        }
        let lines: [Line] = [
            Line(spans: [("true label   ", context.theme.muted), (name(query.label), context.theme.header)]),
            Line(spans: [("network      ", context.theme.muted), (name(query.networkPrediction) + " ", context.theme.text), mark(query.networkPrediction)]),
            Line(spans: [("kNN vote     ", context.theme.muted), (name(query.knnPrediction) + " ", context.theme.text), mark(query.knnPrediction)]),
            Line(spans: [("blended      ", context.theme.muted), (name(query.blendedPrediction) + " ", context.theme.text), mark(query.blendedPrediction)]),
            Line(query.hard ? "hard example (the kNN vote doubts its label)" : "", style: context.theme.warning),
            Line(""),
            Line("↑↓ query  ←→ neighbour  f filter  l class", style: context.theme.muted),
        ]
        Paragraph(lines).render(in: facts.splitTop(queryRect.height).top, buffer: &buffer)
        // The neighbours: a grid of small images with label, similarity and ✓/✗.
        let gridArea = inner.inset(top: queryRect.height + 1)
        let tileWidth = 16, tileHeight = 9
        let perRow = max(1, (gridArea.width + 1) / (tileWidth + 1))
        let rowsFit = max(1, gridArea.height / tileHeight)
        let perPage = perRow * rowsFit
        let selected = min(view.neighbourIndex, max(0, query.neighbours.count - 1))
        let pageStart = (selected / perPage) * perPage
        for (slot, n) in query.neighbours.enumerated().dropFirst(pageStart).prefix(perPage) {
            let position = slot - pageStart
            let x = gridArea.x + (position % perRow) * (tileWidth + 1)
            let y = gridArea.y + (position / perRow) * tileHeight
            let tile = Rect(x: x, y: y, width: tileWidth, height: tileHeight).intersection(gridArea)
            guard !tile.isEmpty else { continue }
            let isSelected = slot == selected
            let right = n.label == query.label
            let image = Rect(x: tile.x + 1, y: tile.y, width: 14, height: 7).intersection(tile)
            if let bytes = data.trainImages[n.trainIndex] { drawImage(bytes, results: results, in: image, buffer: &buffer, context) }
            else { buffer.write("no image", x: image.x, y: image.y + 3, style: context.theme.muted, clip: image) }
            let caption = "\(slot + 1). " + Text.truncate(results.className(n.label), to: 9)
            buffer.write(Text.fit(caption, width: tileWidth - 2) + (right ? " ✓" : " ✗"), x: tile.x, y: tile.y + 7,
                         style: isSelected ? context.theme.selection : (right ? context.theme.text : context.theme.error), clip: tile)
            buffer.write("sim " + NumberFormat.fixed(n.similarity, decimals: 3) + " #\(n.trainIndex)", x: tile.x, y: tile.y + 8,
                         maxWidth: tileWidth, style: context.theme.muted, clip: tile)
        }
        let agreeing = query.neighbours.filter { $0.label == query.label }.count
        let summary = "\(agreeing)/\(query.neighbours.count) neighbours share the true label · neighbour \(selected + 1)"
            + (query.neighbours.count > perPage ? " · page \(pageStart / perPage + 1)/\((query.neighbours.count + perPage - 1) / perPage)" : "")
        buffer.write(summary, x: inner.x, y: inner.maxY - 1, maxWidth: inner.width, style: context.theme.muted, clip: inner)
        if let error = view.error {
            buffer.write("⚠ " + error, x: inner.x, y: inner.maxY - 1, maxWidth: inner.width, style: context.theme.error, clip: inner)
        }
    }

    func drawImage(_ bytes: [UInt8], results: NeighbourResults, in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        guard bytes.count == results.imageBytes, !bytes.isEmpty else {
            buffer.write("no image", x: area.x, y: area.y, style: context.theme.muted, clip: area)
            return
        }
        HalfBlockImage(width: results.imageWidth, height: results.imageHeight, channels: results.imageChannels, bytes: bytes,
                       scaling: .fit, colorMode: context.theme.colorMode)
            .render(in: area, buffer: &buffer)
    }
}
