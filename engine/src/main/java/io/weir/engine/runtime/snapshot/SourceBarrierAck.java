package io.weir.engine.runtime.snapshot;

/**
 * A producer's report that it injected a barrier: where its input stood, and its watermark generator's state,
 * so a restore resumes the input and the watermarks exactly there.
 */
public record SourceBarrierAck(
    long checkpointId, int producerIndex, String sourceName, long position, long line, long maxTimestamp,
    long watermark)
{
}
