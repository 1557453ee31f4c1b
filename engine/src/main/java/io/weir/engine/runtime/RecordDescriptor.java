package io.weir.engine.runtime;

/**
 * Messages a producer writes into a shard's ring buffer (one single-producer ring per producer and shard).
 * The ring's own header carries the message type and length; these are the payload layouts.
 * <pre>
 * EVENT (type 1)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |  producer watermark before this event (i64)                   |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  event timestamp ms (i64)                                     |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  key group (i32)              |  key length (i32)             |
 *  +---------------------------------------------------------------+
 *  |  key bytes ...                | value bytes (codec) ...       |
 *  +---------------------------------------------------------------+
 * WATERMARK (type 2):   [watermark i64]
 * BARRIER (type 3):     [checkpoint id i64][flags i32]
 * END_OF_INPUT (type 4): empty
 * IDLE (type 5):        empty; every input of the sending stage instance is idle: leave this channel out of the
 *                       watermark until its next EVENT or WATERMARK
 * </pre>
 * Carrying the producer's watermark in every event lets a shard apply it before the event without a separate
 * message per event; explicit WATERMARK messages keep shards that receive no events moving.
 */
public final class RecordDescriptor
{
    public static final int EVENT_MSG_TYPE = 1;
    public static final int WATERMARK_MSG_TYPE = 2;
    public static final int BARRIER_MSG_TYPE = 3;
    public static final int END_OF_INPUT_MSG_TYPE = 4;
    public static final int IDLE_MSG_TYPE = 5;

    public static final int WATERMARK_OFFSET = 0;
    public static final int TIMESTAMP_OFFSET = 8;
    public static final int KEY_GROUP_OFFSET = 16;
    public static final int KEY_LENGTH_OFFSET = 20;
    public static final int KEY_OFFSET = 24;
    public static final int EVENT_HEADER_LENGTH = KEY_OFFSET;

    public static final int BARRIER_CHECKPOINT_ID_OFFSET = 0;
    public static final int BARRIER_FLAGS_OFFSET = 8;
    public static final int BARRIER_LENGTH = 12;
    /** The checkpoint is a savepoint: self-contained, full files in its own directory. */
    public static final int BARRIER_FLAG_SAVEPOINT = 1;
    /** Shards write a full snapshot (a new chain base) instead of a delta. */
    public static final int BARRIER_FLAG_FULL = 2;
    /** Sources stop after this barrier (stop with savepoint). */
    public static final int BARRIER_FLAG_STOP = 4;

    private RecordDescriptor()
    {
    }
}
