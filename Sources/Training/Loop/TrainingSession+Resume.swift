import RunStore

extension TrainingSession {
    /// Restores the newest intact checkpoint (saying in the log which newer ones were
    /// skipped and why), or starts over when the run has no checkpoint and no recorded
    /// epoch. A run with recorded epochs and no usable checkpoint is refused before
    /// anything is rewritten: starting over would silently discard its history.
    func restoreFromResumePoint(_ trainer: Trainer) throws {
        if let missing = run.missingLatestCheckpointTarget() {
            host.log("warning: checkpoints/latest.ckpt points to \(missing), which is missing; "
                     + "continuing from the newest intact checkpoint there is, if any")
        }
        let point = run.resumePoint()
        for skipped in point.skipped { host.log("warning: cannot resume from \(skipped)") }
        if let url = point.url, let checkpoint = point.checkpoint {
            try TrainerCheckpoint.restore(trainer, from: checkpoint, path: url.path)
            try discardRecordsAfter(trainer.progress)
            if !point.skipped.isEmpty {
                host.log("falling back to \(url.lastPathComponent), the newest intact checkpoint; "
                         + "the epochs after it are trained again")
            }
            host.log("resumed from \(url.lastPathComponent) at epoch \(trainer.progress.completedEpochs + 1), "
                     + "step \(trainer.progress.globalStep)")
            return
        }
        if let refusal = run.resumeRefusal(point) { throw ResumeRefused(description: refusal) }
        try discardRecordsAfter(TrainingProgress())
        host.log(point.skipped.isEmpty ? "no checkpoint yet: starting from the beginning"
                 : "no intact checkpoint and no recorded epoch: starting from the beginning")
    }

    /// A resumed run continues from its checkpoint: metrics lines written after it (the
    /// partial epoch a crash interrupted) and later snapshots are dropped, so nothing is
    /// counted twice.
    private func discardRecordsAfter(_ progress: TrainingProgress) throws {
        try MetricsRewriter.keepRecords(in: run.metricsURL) { Self.resumeKeeps($0, at: progress) }
        run.removeSnapshots(after: progress.completedEpochs)
    }

    /// Whether a metrics record written before a crash survives a resume at `progress`:
    /// step lines up to its global step, epoch lines of its completed epochs.
    static func resumeKeeps(_ record: MetricRecord, at progress: TrainingProgress) -> Bool {
        record.step <= progress.globalStep
            && (record.interval == .steps || record.epoch <= progress.completedEpochs)
    }
}
