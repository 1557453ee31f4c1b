package io.weir.engine.counters;

/**
 * The kinds of counter a job publishes, by Agrona type id. A counter's key holds up to two indexes (shard,
 * producer; or operator, the stage's index in the job, and shard) as little-endian ints at
 * {@link #FIRST_INDEX_OFFSET} and {@link #SECOND_INDEX_OFFSET}; its label and its JMX attribute name are made from
 * them.
 */
public enum CounterType
{
    SHARD_EVENTS_IN(1, "shard %d: events in", "Shard%dEventsIn"),
    SHARD_EVENTS_OUT(2, "shard %d: events out (main and side outputs)", "Shard%dEventsOut"),
    SHARD_WATERMARK(3, "shard %d: watermark (ms)", "Shard%dWatermarkMs"),
    SHARD_TIMERS_PENDING(4, "shard %d: timers pending", "Shard%dTimersPending"),
    SHARD_STATE_ENTRIES(5, "shard %d: state entries", "Shard%dStateEntries"),
    SHARD_STATE_BYTES(6, "shard %d: state bytes", "Shard%dStateBytes"),
    RING_USED_BYTES(7, "producer %d -> shard %d: ring bytes used", "Producer%dShard%dRingUsedBytes"),
    PRODUCER_BACK_PRESSURE(8, "producer %d: back-pressure (offers refused by a full ring)",
        "Producer%dBackPressure"),
    CHECKPOINT_ID(9, "checkpoint: last completed id", "CheckpointId"),
    CHECKPOINT_DURATION_MS(10, "checkpoint: last duration (ms, first snapshot point to manifest)",
        "CheckpointDurationMs"),
    CHECKPOINT_PAUSE_US(11, "checkpoint: last longest shard pause (us)", "CheckpointPauseUs"),
    CHECKPOINT_BYTES(12, "checkpoint: last bytes written", "CheckpointBytes"),
    CHECKPOINTS_COMPLETED(13, "checkpoints completed", "CheckpointsCompleted"),
    CHECKPOINTS_FAILED(14, "checkpoints failed", "CheckpointsFailed"),
    RESTORES(15, "restores", "Restores"),
    OPERATOR_EVENTS_IN(16, "operator %d%s shard %d: events processed", "Operator%dShard%dEventsIn"),
    OPERATOR_EVENTS_OUT(17, "operator %d%s shard %d: events emitted (main and side outputs)",
        "Operator%dShard%dEventsOut"),
    OPERATOR_BACK_PRESSURE(18, "operator %d%s shard %d: back-pressure (times a full ring stopped its input)",
        "Operator%dShard%dBackPressure");

    public static final int FIRST_INDEX_OFFSET = 0;
    public static final int SECOND_INDEX_OFFSET = 4;
    public static final int KEY_LENGTH = 8;

    private static final CounterType[] BY_TYPE_ID = new CounterType[32];

    static
    {
        for (final CounterType type : values())
        {
            BY_TYPE_ID[type.typeId] = type;
        }
    }

    private final int typeId;
    private final String labelFormat;
    private final String attributeFormat;

    CounterType(final int typeId, final String labelFormat, final String attributeFormat)
    {
        this.typeId = typeId;
        this.labelFormat = labelFormat;
        this.attributeFormat = attributeFormat;
    }

    public int typeId()
    {
        return typeId;
    }

    /** The type of an Agrona type id, or null if it is none of Weir's. */
    public static CounterType of(final int typeId)
    {
        return typeId >= 0 && typeId < BY_TYPE_ID.length ? BY_TYPE_ID[typeId] : null;
    }

    /** A label such as "shard 0: events in"; {@code second} is used by types with two indexes. */
    public String label(final int first, final int second)
    {
        return fill(labelFormat, first, second, null);
    }

    /** A label such as "operator 1 'count' shard 0: events processed", for the types of an operator instance. */
    public String label(final int operator, final String uid, final int shard)
    {
        return fill(labelFormat, operator, shard, uid.isEmpty() ? "" : " '" + uid + "'");
    }

    /** A JMX attribute name such as "Shard0EventsIn". */
    public String attributeName(final int first, final int second)
    {
        return fill(attributeFormat, first, second, null);
    }

    /**
     * The format with its {@code %d}s replaced by {@code first}, then {@code second}, and its {@code %s} by
     * {@code text} (nothing when null). Not {@code String.format}: its first call, which a job's start can make,
     * loads the formatter's patterns and the locale's number symbols.
     */
    private static String fill(final String format, final int first, final int second, final String text)
    {
        final StringBuilder out = new StringBuilder(format.length() + 16);
        int numbers = 0;
        for (int i = 0; i < format.length(); i++)
        {
            final char c = format.charAt(i);
            if (c == '%' && i + 1 < format.length() && format.charAt(i + 1) == 'd')
            {
                out.append(numbers++ == 0 ? first : second);
                i++;
            }
            else if (c == '%' && i + 1 < format.length() && format.charAt(i + 1) == 's')
            {
                out.append(null == text ? "" : text);
                i++;
            }
            else
            {
                out.append(c);
            }
        }
        return out.toString();
    }
}
