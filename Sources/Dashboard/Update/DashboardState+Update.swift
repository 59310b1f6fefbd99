import RunStore
import TerminalUI

extension DashboardState {
    /// How often the run folder is listed and the open runs' metrics are tailed.
    public static let listInterval = 1.0
    /// How long a notice stays in the status bar.
    public static let noticeSeconds = 6.0

    /// The effects to run when the dashboard starts.
    public static func initialEffects() -> [Effect] { [.listRuns] }

    /// Applies a message; returns the I/O to perform. Pure: no files, no clock, no terminal.
    public mutating func update(_ message: DashboardMessage) -> [Effect] {
        switch message {
        case .key(let key):
            return handleKey(key)
        case .tick(let now):
            self.now = now
            if let notice, now - notice.time > DashboardState.noticeSeconds { self.notice = nil }
            guard now - lastListTime >= DashboardState.listInterval else { return [] }
            lastListTime = now
            return pollingEffects()
        case .resized(let width, let height):
            self.width = max(0, width)
            self.height = max(0, height)
            return []
        case .runsListed(let rows, let error):
            runs = rows
            listError = error
            runsLoaded = true
            let ids = Set(rows.map(\.id))
            markedRunIDs = markedRunIDs.intersection(ids)
            if let selected = selectedRunID, !ids.contains(selected) { selectedRunID = nil }
            if selectedRunID == nil { selectedRunID = visibleRuns.first?.id }
            return []
        case .metricsAppended(let runID, let points, let restarted):
            // In place: copying a run's points out and back would copy them all every second.
            if restarted { metrics[runID] = RunMetrics(points: points) }
            else { metrics[runID, default: RunMetrics()].append(contentsOf: points) }
            return []
        case .logLoaded(let runID, let lines):
            logLines[runID] = lines
            return []
        case .kernelsLoaded(let runID, let epochs, let snapshot, let error):
            guard kernels?.runID == runID else { return [] }
            kernels?.epochs = epochs
            kernels?.snapshot = snapshot
            kernels?.error = error
            if let index = kernels?.epochIndex, index >= epochs.count { kernels?.epochIndex = epochs.isEmpty ? nil : epochs.count - 1 }
            clampKernelSelection()
            return []
        case .knnLoaded(let runID, let epochs, let evaluation, let error):
            guard knn?.runID == runID else { return [] }
            knn?.epochs = epochs
            knn?.evaluation = evaluation
            knn?.error = error
            if let index = knn?.epochIndex, index >= epochs.count { knn?.epochIndex = nil }
            return []
        case .neighboursLoaded(let runID, let data, let error):
            guard neighbours?.runID == runID else { return [] }
            neighbours?.data = data
            neighbours?.error = error
            clampNeighbourSelection()
            return []
        case .controlFinished(let action, let runIDs, let errors):
            if errors.isEmpty {
                let what = runIDs.count == 1 ? runIDs[0] : "\(runIDs.count) runs"
                notify("\(action.rawValue.capitalizedFirst): \(what)", isError: false)
            } else {
                notify("\(action.rawValue) failed: " + errors.joined(separator: "; "), isError: true)
            }
            if action == .delete { markedRunIDs.subtract(runIDs) }
            lastListTime = now
            return [.listRuns]
        case .launched(let runID, let error):
            if let error {
                notify("Launch failed: \(error)", isError: true)
                return []
            }
            notify("Launched \(runID ?? "run")", isError: false)
            if let runID { selectedRunID = runID }
            screen = .runs
            lastListTime = now
            return [.listRuns]
        }
    }

    mutating func notify(_ text: String, isError: Bool) {
        notice = Notice(text: text, isError: isError, time: now)
    }

    /// What to re-read on a polling tick: the list, and the data of the screen shown.
    func pollingEffects() -> [Effect] {
        var effects: [Effect] = [.listRuns]
        let watched = watchedRunIDs
        if !watched.isEmpty { effects.append(.tailMetrics(runIDs: watched)) }
        if let open = openRun, screen == .run { effects.append(.loadLog(runID: open.id)) }
        if let open = openRun, open.state.isActive || open.state == .queued {
            if screen == .kernels, let view = kernels {
                effects.append(.loadKernels(runID: open.id, epoch: view.epochIndex.flatMap { view.epochs.indices.contains($0) ? view.epochs[$0] : nil }))
            }
            if screen == .knn { effects.append(.loadKNN(runID: open.id)) }
        }
        return effects
    }

    /// Runs whose metrics the current screen draws.
    var watchedRunIDs: [String] {
        switch screen {
        case .run: return openRunID.map { [$0] } ?? []
        case .compare: return comparedRuns.map(\.id)
        default: return []
        }
    }

    // MARK: keys

    mutating func handleKey(_ key: Key) -> [Effect] {
        if key == .resize { return [] }
        if isTooSmall {
            guard key == .character("q") || key == .ctrl("c") else { return [] }
            quitting = true
            return [.quit]
        }
        if confirmation != nil { return handleConfirmationKey(key) }
        if showHelp {
            switch key {
            case .up, .character("k"): helpScroll = max(0, helpScroll - 1)
            case .down, .character("j"): helpScroll += 1
            case .pageUp: helpScroll = max(0, helpScroll - 10)
            case .pageDown: helpScroll += 10
            case .ctrl("c"): quitting = true; return [.quit]
            default: showHelp = false
            }
            return []
        }
        if editingFilter { return handleFilterKey(key) }
        if screen == .launch {
            if let action = KeyBinding.action(for: key, on: .launch) { return perform(action) }
            switch key {
            case .character(let c): launchForm.type(c)
            case .backspace, .delete: launchForm.backspace()
            case .ctrl("c"): quitting = true; return [.quit]
            default: break
            }
            return []
        }
        guard let action = KeyBinding.action(for: key, on: screen) else { return [] }
        return perform(action)
    }

    mutating func handleConfirmationKey(_ key: Key) -> [Effect] {
        guard let dialog = confirmation else { return [] }
        switch key {
        case .character("y"), .character("Y"):
            confirmation = nil
            return [.control(dialog.action, runIDs: dialog.runIDs)]
        case .enter:
            confirmation = nil
            return dialog.yes ? [.control(dialog.action, runIDs: dialog.runIDs)] : []
        case .left, .right, .tab, .backTab:
            confirmation?.yes.toggle()
        case .ctrl("c"):
            quitting = true
            return [.quit]
        default:
            confirmation = nil
        }
        return []
    }

    mutating func handleFilterKey(_ key: Key) -> [Effect] {
        switch key {
        case .enter: editingFilter = false
        case .escape: editingFilter = false; filter = ""
        case .backspace, .delete: if !filter.isEmpty { filter.removeLast() }
        case .character(let c): filter.append(c)
        case .ctrl("c"): quitting = true; return [.quit]
        default: break
        }
        selectedRunID = visibleRuns.first(where: { $0.id == selectedRunID })?.id ?? visibleRuns.first?.id
        return []
    }

    /// Performs one action of the key table.
    mutating func perform(_ action: DashboardAction) -> [Effect] {
        switch action {
        case .quit:
            quitting = true
            return [.quit]
        case .help:
            showHelp = true
            helpScroll = 0
            return []
        case .nextScreen: return show(Screen(rawValue: (screen.rawValue + 1) % Screen.allCases.count)!)
        case .previousScreen:
            return show(Screen(rawValue: (screen.rawValue + Screen.allCases.count - 1) % Screen.allCases.count)!)
        case .show(let target): return show(target)
        case .back:
            screen = .runs
            return []
        case .open:
            guard let run = selectedRun else { return [] }
            openRunID = run.id
            return show(.run)
        case .up, .down, .pageUp, .pageDown, .top, .bottom:
            return move(action)
        case .left, .right:
            return step(action == .left ? -1 : 1)
        case .mark:
            guard let run = selectedRun else { return [] }
            if markedRunIDs.contains(run.id) { markedRunIDs.remove(run.id) } else { markedRunIDs.insert(run.id) }
            if screen == .runs { _ = move(.down) }
            return screen == .compare ? [.tailMetrics(runIDs: comparedRuns.map(\.id))] : []
        case .markAll:
            let shown = Set(visibleRuns.map(\.id))
            if shown.isSubset(of: markedRunIDs) && !shown.isEmpty { markedRunIDs.subtract(shown) } else { markedRunIDs.formUnion(shown) }
            return []
        case .sort:
            sort = RunSort(rawValue: (sort.rawValue + 1) % RunSort.allCases.count)!
            sortAscending = sort == .name || sort == .state
            return []
        case .reverseSort:
            sortAscending.toggle()
            return []
        case .filter:
            editingFilter = true
            return []
        case .control(let control):
            return requestControl(control)
        case .newRun:
            screen = .launch
            return []
        case .cloneRun:
            guard let run = screen == .run ? openRun : selectedRun else { return [] }
            launchForm.clone(settings: run.settings, name: run.name, runID: run.id)
            launchForm.focus = 0
            screen = .launch
            return []
        case .toggleSmoothing:
            smoothingOn.toggle()
            return []
        case .smoothingUp:
            smoothingOn = true
            smoothing = min(0.95, ((smoothing + 0.1) * 10).rounded() / 10)
            return []
        case .smoothingDown:
            smoothing = max(0, ((smoothing - 0.1) * 10).rounded() / 10)
            smoothingOn = smoothing > 0
            return []
        case .toggleStepLines:
            showStepLines.toggle()
            return []
        case .nextMetric:
            compareMetric = CompareMetric(rawValue: (compareMetric.rawValue + 1) % CompareMetric.allCases.count)!
            return []
        case .toggleDiffOnly:
            compareDiffOnly.toggle()
            compareScroll = 0
            return []
        case .latestEpoch:
            if screen == .kernels, let id = kernels?.runID {
                kernels?.epochIndex = nil
                return [.loadKernels(runID: id, epoch: nil)]
            }
            if screen == .knn { knn?.epochIndex = nil }
            return []
        case .nextClass:
            let classes = kernels?.snapshot?.layers.map { $0.perClassDiagonal?.count ?? 0 }.max() ?? 0
            if classes > 0, var view = kernels {
                view.classIndex = (view.classIndex + 1) % classes
                kernels = view
            }
            return []
        case .cycleNeighbourFilter:
            guard neighbours != nil else { return [] }
            switch neighbours!.filter {
            case .all: neighbours!.filter = .misclassified
            case .misclassified: neighbours!.filter = .hard
            default: neighbours!.filter = .all
            }
            neighbours!.queryIndex = 0
            neighbours!.neighbourIndex = 0
            return []
        case .classFilter:
            guard let view = neighbours, let data = view.data else { return [] }
            let classCount = max(data.results.classNames.count, (data.results.queries.map(\.label).max() ?? -1) + 1)
            guard classCount > 0 else { return [] }
            if case .label(let c) = view.filter {
                neighbours!.filter = c + 1 < classCount ? .label(c + 1) : .all
            } else {
                neighbours!.filter = .label(0)
            }
            neighbours!.queryIndex = 0
            neighbours!.neighbourIndex = 0
            return []
        case .launchNow:
            launchForm.validate()
            guard let configuration = launchForm.configuration else {
                let count = launchForm.fields.filter { $0.error != nil }.count + launchForm.generalErrors.count
                notify("Cannot launch: \(count) problem\(count == 1 ? "" : "s") in the form", isError: true)
                if let first = launchForm.fields.firstIndex(where: { $0.error != nil }) { launchForm.focus = first }
                return []
            }
            return [.launch(configuration, name: launchForm.runName)]
        case .resetForm:
            launchForm = LaunchForm()
            return []
        }
    }

    /// Switches screens and loads what the new screen needs.
    mutating func show(_ target: Screen) -> [Effect] {
        screen = target
        if target.showsOneRun && openRunID == nil, let run = selectedRun { openRunID = run.id }
        guard let runID = openRunID else { return target == .compare ? compareEffects() : [] }
        switch target {
        case .run:
            settingsScroll = 0
            return [.tailMetrics(runIDs: [runID]), .loadLog(runID: runID)]
        case .compare:
            return compareEffects()
        case .kernels:
            if kernels?.runID != runID { kernels = KernelView(runID: runID) }
            let view = kernels!
            let epoch = view.epochIndex.flatMap { view.epochs.indices.contains($0) ? view.epochs[$0] : nil }
            return [.loadKernels(runID: runID, epoch: epoch)]
        case .knn:
            if knn?.runID != runID { knn = KNNView(runID: runID) }
            return [.loadKNN(runID: runID)]
        case .neighbours:
            if neighbours?.runID != runID { neighbours = NeighbourView(runID: runID) }
            return [.loadNeighbours(runID: runID)]
        default:
            return []
        }
    }

    func compareEffects() -> [Effect] {
        let ids = comparedRuns.map(\.id)
        return ids.isEmpty ? [] : [.tailMetrics(runIDs: ids)]
    }

    /// Moves the selection (or scroll) of the current screen.
    mutating func move(_ action: DashboardAction) -> [Effect] {
        let page = max(1, height - 8)
        let delta: Int
        switch action {
        case .up: delta = -1
        case .down: delta = 1
        case .pageUp: delta = -page
        case .pageDown: delta = page
        case .top: delta = Int.min / 2
        default: delta = Int.max / 2
        }
        switch screen {
        case .runs:
            let visible = visibleRuns
            guard !visible.isEmpty else { return [] }
            let current = selectedIndex ?? 0
            let next = min(max(current.addingReportingOverflow(delta).overflow ? current : current + delta, 0), visible.count - 1)
            selectedRunID = visible[next].id
        case .compare:
            compareScroll = max(0, compareScroll + max(-1000, min(1000, delta)))
        case .run:
            settingsScroll = max(0, settingsScroll + max(-1000, min(1000, delta)))
        case .kernels:
            guard let count = kernels?.snapshot?.layers.count, count > 0 else { return [] }
            kernels!.layerIndex = min(max(0, kernels!.layerIndex + max(-count, min(count, delta))), count - 1)
        case .neighbours:
            let count = filteredQueryIndices.count
            guard count > 0 else { return [] }
            neighbours!.queryIndex = min(max(0, neighbours!.queryIndex + max(-count, min(count, delta))), count - 1)
            neighbours!.neighbourIndex = 0
        case .launch:
            launchForm.moveFocus(by: delta > 0 ? 1 : -1)
        default:
            break
        }
        return []
    }

    /// ← / → on the current screen: epochs, neighbours, or form choices.
    mutating func step(_ delta: Int) -> [Effect] {
        switch screen {
        case .kernels:
            guard let view = kernels, !view.epochs.isEmpty else { return [] }
            let current = view.epochIndex ?? (view.epochs.count - 1)
            let next = min(max(0, current + delta), view.epochs.count - 1)
            kernels!.epochIndex = next
            return [.loadKernels(runID: view.runID, epoch: view.epochs[next])]
        case .knn:
            guard let view = knn, !view.epochs.isEmpty else { return [] }
            let current = view.epochIndex ?? (view.epochs.count - 1)
            knn!.epochIndex = min(max(0, current + delta), view.epochs.count - 1)
        case .neighbours:
            guard let query = selectedQuery else { return [] }
            let count = query.neighbours.count
            guard count > 0 else { return [] }
            neighbours!.neighbourIndex = min(max(0, neighbours!.neighbourIndex + delta), count - 1)
        case .launch:
            launchForm.cycleChoice(by: delta)
        default:
            break
        }
        return []
    }

    /// Asks for confirmation where needed, or returns the control effect.
    mutating func requestControl(_ action: RunControlAction) -> [Effect] {
        let targets = targetRuns
        guard !targets.isEmpty else {
            notify("No run selected", isError: true)
            return []
        }
        let eligible: [RunRow]
        switch action {
        case .pause: eligible = targets.filter { $0.state == .running }
        case .resume: eligible = targets.filter { $0.state == .paused }
        case .stop: eligible = targets.filter { $0.state == .running || $0.state == .paused || $0.state == .queued }
        case .resumeFromCheckpoint: eligible = targets.filter { ($0.state == .stopped || $0.state == .failed) && $0.hasCheckpoint }
        case .delete: eligible = targets
        }
        guard !eligible.isEmpty else {
            let why: String
            switch action {
            case .pause: why = "only running runs can be paused"
            case .resume: why = "only paused runs can be resumed (R resumes a stopped run from its checkpoint)"
            case .stop: why = "the run is not running"
            case .resumeFromCheckpoint: why = "needs a stopped or failed run with a checkpoint"
            case .delete: why = ""
            }
            notify("Cannot \(action.rawValue): \(why)", isError: true)
            return []
        }
        let ids = eligible.map(\.id)
        let names = eligible.count == 1 ? "run \(eligible[0].id) (\(eligible[0].name))" : "\(eligible.count) runs"
        switch action {
        case .pause, .resume:
            return [.control(action, runIDs: ids)]
        case .stop:
            confirmation = Confirmation(title: "Stop", question: "Stop \(names)?\nA checkpoint is written first; R resumes it later.",
                                        yes: true, action: .stop, runIDs: ids)
        case .resumeFromCheckpoint:
            confirmation = Confirmation(title: "Resume", question: "Resume \(names) from the latest checkpoint?",
                                        yes: true, action: .resumeFromCheckpoint, runIDs: ids)
        case .delete:
            let active = eligible.filter { $0.state.isActive }.count
            let warning = active > 0 ? "\n\(active) of them still running: stopped first." : ""
            confirmation = Confirmation(title: "Delete", question: "Delete \(names) and all its files?\(warning)\nThis cannot be undone.",
                                        yes: false, action: .delete, runIDs: ids)
        }
        return []
    }

    // MARK: neighbours helpers

    /// Indices into the queries that the current filter shows.
    public var filteredQueryIndices: [Int] {
        guard let view = neighbours, let data = view.data else { return [] }
        return data.results.queries.indices.filter { i in
            let q = data.results.queries[i]
            switch view.filter {
            case .all: return true
            case .misclassified: return q.misclassified
            case .hard: return q.hard
            case .label(let c): return q.label == c
            }
        }
    }

    /// The query shown on the Neighbours screen.
    public var selectedQuery: NeighbourResults.Query? {
        guard let view = neighbours, let data = view.data else { return nil }
        let indices = filteredQueryIndices
        guard indices.indices.contains(view.queryIndex) else { return nil }
        return data.results.queries[indices[view.queryIndex]]
    }

    mutating func clampNeighbourSelection() {
        guard neighbours != nil else { return }
        let count = filteredQueryIndices.count
        neighbours!.queryIndex = count == 0 ? 0 : min(neighbours!.queryIndex, count - 1)
        let k = selectedQuery?.neighbours.count ?? 0
        neighbours!.neighbourIndex = k == 0 ? 0 : min(neighbours!.neighbourIndex, k - 1)
    }

    mutating func clampKernelSelection() {
        guard let count = kernels?.snapshot?.layers.count else { return }
        kernels!.layerIndex = count == 0 ? 0 : min(kernels!.layerIndex, count - 1)
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
