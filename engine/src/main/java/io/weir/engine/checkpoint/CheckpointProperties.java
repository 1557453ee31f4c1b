package io.weir.engine.checkpoint;

import io.weir.engine.runtime.snapshot.SourceBarrierAck;

/** Keys the engine records in a manifest's free-form properties. */
public final class CheckpointProperties
{
    /** {@code sink.part.<part name>} = committed length in bytes. */
    public static final String SINK_PART_PREFIX = "sink.part.";
    /** {@code SourceBarrierAck.<producer>.maxTimestamp} / {@code .watermark}: the watermark generator's state. */
    public static final String PRODUCER_PREFIX = "SourceBarrierAck.";

    private CheckpointProperties()
    {
    }
}
