package io.weir.engine.runtime.snapshot;

/**
 * Timers as a shard copies them at its snapshot point (a flat buffer, no per-timer objects), and as they are
 * stored in a checkpoint's timers file.
 * <pre>
 * In memory, one record per timer:
 *  +--------+----------+-------------+-------------+------------+-----------+
 *  | domain | key group| timestamp   | namespace   | key length | key bytes |
 *  |  u8    |  i32     | i64         | i64         | i32        | ...       |
 *  +--------+----------+-------------+-------------+------------+-----------+
 * In the timers file, an entry whose key is the composite state key of state id 0 followed by
 *  [domain u8][timestamp i64 BE][namespace i64 BE], with an empty value.
 * </pre>
 */
public final class TimerRecordDescriptor
{
    public static final byte EVENT_TIME = 0;
    public static final byte PROCESSING_TIME = 1;

    public static final int DOMAIN_OFFSET = 0;
    public static final int KEY_GROUP_OFFSET = 1;
    public static final int TIMESTAMP_OFFSET = 5;
    public static final int NAMESPACE_OFFSET = 13;
    public static final int KEY_LENGTH_OFFSET = 21;
    public static final int KEY_OFFSET = 25;

    /** State id reserved for timers in snapshot files. */
    public static final int TIMERS_STATE_ID = 0;
    /** Bytes after the composite key prefix in a timers-file entry. */
    public static final int FILE_SUFFIX_LENGTH = 1 + 8 + 8;

    private TimerRecordDescriptor()
    {
    }
}
