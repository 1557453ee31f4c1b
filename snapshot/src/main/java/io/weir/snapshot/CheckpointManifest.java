package io.weir.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Immutable description of a checkpoint or savepoint: which files hold each shard's state, the source
 * positions to rewind to, and the state descriptors needed to read the bytes back. Build with
 * {@link #builder()}; encode with {@link ManifestCodec}. {@link #toString()} is the human-readable form used by
 * {@code weir snapshot show}.
 *
 * @param checkpointId   of the checkpoint.
 * @param kind           CHECKPOINT or SAVEPOINT.
 * @param creationTimeMs when the checkpoint was triggered, ms since the epoch.
 * @param maxParallelism number of key groups of the job.
 * @param backendName    state backend that wrote the files, e.g. "chronicle".
 * @param shards         per-shard state, in shard order.
 * @param sources        source positions to rewind to.
 * @param states         state descriptors registered by the job.
 * @param properties     free-form metadata, e.g. job name; sorted by key.
 * @param broadcasts     the broadcast state file of each keyed broadcast operator (one copy, restored to every
 *                       instance).
 */
public record CheckpointManifest(
    long checkpointId,
    CheckpointKind kind,
    long creationTimeMs,
    int maxParallelism,
    String backendName,
    List<ShardState> shards,
    List<SourcePosition> sources,
    List<StateDescriptor> states,
    Map<String, String> properties,
    List<BroadcastFile> broadcasts)
{
    /**
     * The broadcast states of one operator: one FULL file ({@link BroadcastStateDescriptor}), written whole at every
     * checkpoint, the same for every instance.
     *
     * @param operator the operator's uid.
     * @param file     the file, relative as {@link ShardState#files()}.
     */
    public record BroadcastFile(String operator, FileRef file)
    {
        public BroadcastFile
        {
            operator = operator == null ? "" : operator;
            Objects.requireNonNull(file, "file");
        }
    }

    /**
     * Properties {@code broadcast.NAME.userKeyCodec} and {@code broadcast.NAME.valueCodec} (behind the operator's
     * {@link #operatorPropertyPrefix}) give the codec ids of each broadcast state in an operator's file.
     */
    public static final String BROADCAST_PROPERTY_PREFIX = "broadcast.";
    public static final String BROADCAST_USER_KEY_CODEC_SUFFIX = ".userKeyCodec";
    public static final String BROADCAST_VALUE_CODEC_SUFFIX = ".valueCodec";

    public CheckpointManifest(
        final long checkpointId, final CheckpointKind kind, final long creationTimeMs, final int maxParallelism,
        final String backendName, final List<ShardState> shards, final List<SourcePosition> sources,
        final List<StateDescriptor> states, final Map<String, String> properties)
    {
        this(checkpointId, kind, creationTimeMs, maxParallelism, backendName, shards, sources, states, properties,
            List.of());
    }

    /** The names of the broadcast states recorded in {@link #properties()} (of the empty operator's view). */
    public List<String> broadcastStateNames()
    {
        final List<String> names = new ArrayList<>();
        for (final String key : properties.keySet())
        {
            if (key.startsWith(BROADCAST_PROPERTY_PREFIX) && key.endsWith(BROADCAST_VALUE_CODEC_SUFFIX))
            {
                names.add(key.substring(BROADCAST_PROPERTY_PREFIX.length(),
                    key.length() - BROADCAST_VALUE_CODEC_SUFFIX.length()));
            }
        }
        return names;
    }

    /** The broadcast state file of operator {@code operator}, or null if it has none. */
    public FileRef broadcastOf(final String operator)
    {
        for (final BroadcastFile broadcast : broadcasts)
        {
            if (broadcast.operator().equals(operator))
            {
                return broadcast.file();
            }
        }
        return null;
    }

    /**
     * One data file of a shard's chain.
     *
     * @param name      file name, relative to the data directory (see {@link CheckpointDirectory#dataDirectory}).
     * @param sizeBytes length of the file, checked on restore.
     * @param kind      FULL or DELTA.
     */
    public record FileRef(String name, long sizeBytes, SnapshotFileKind kind)
    {
        public FileRef
        {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(kind, "kind");
            if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals("..") || name.equals("."))
            {
                throw new IllegalArgumentException("file name must be a plain relative name: " + name);
            }
        }
    }

    /**
     * State of one shard at the checkpoint.
     *
     * @param shardId       shard index.
     * @param firstKeyGroup first key group of the shard, inclusive.
     * @param lastKeyGroup  last key group of the shard, inclusive.
     * @param files         FULL base first, then DELTA files in order.
     * @param watermark     of the shard at the snapshot point.
     * @param timerCount    number of timers in the shard's timer state.
     * @param timers        a self-contained FULL file of the shard's timers (written whole at every checkpoint,
     *                      outside the delta chain), or null when the shard had none to record.
     * @param operator      the uid of the operator whose instance this is; empty for the only keyed operator of a
     *                      job built without uids.
     */
    public record ShardState(
        int shardId, int firstKeyGroup, int lastKeyGroup, List<FileRef> files, long watermark, long timerCount,
        FileRef timers, String operator)
    {
        public ShardState(
            final int shardId, final int firstKeyGroup, final int lastKeyGroup, final List<FileRef> files,
            final long watermark, final long timerCount)
        {
            this(shardId, firstKeyGroup, lastKeyGroup, files, watermark, timerCount, null, "");
        }

        public ShardState(
            final int shardId, final int firstKeyGroup, final int lastKeyGroup, final List<FileRef> files,
            final long watermark, final long timerCount, final FileRef timers)
        {
            this(shardId, firstKeyGroup, lastKeyGroup, files, watermark, timerCount, timers, "");
        }

        public ShardState
        {
            files = List.copyOf(files);
            operator = operator == null ? "" : operator;
            if (lastKeyGroup < firstKeyGroup || firstKeyGroup < 0)
            {
                throw new IllegalArgumentException("invalid key-group range [" + firstKeyGroup + ", " + lastKeyGroup +
                    "] for shard " + shardId);
            }
        }
    }

    /**
     * Position of a source at the checkpoint barrier.
     *
     * @param sourceName name of the source.
     * @param position   byte offset (or source-defined position) to resume from.
     * @param line       line number at that position, for line-oriented sources.
     */
    public record SourcePosition(String sourceName, long position, long line)
    {
        public SourcePosition
        {
            Objects.requireNonNull(sourceName, "sourceName");
        }
    }

    /**
     * A state registered by the job.
     *
     * @param stateId        numeric id used in the backend's keys.
     * @param name           user-visible name.
     * @param kind           "VALUE", "LIST", "MAP", "REDUCING", "AGGREGATING" or "TIMERS".
     * @param keyCodecId     codec of the key.
     * @param valueCodecId   codec of the value.
     * @param userKeyCodecId codec of the MapState user key; empty if none.
     * @param ttlMs          time to live, 0 for none.
     * @param operator       the uid of the operator that registered it; empty as in {@link ShardState#operator}.
     */
    public record StateDescriptor(
        int stateId, String name, String kind, String keyCodecId, String valueCodecId, String userKeyCodecId,
        long ttlMs, String operator)
    {
        public StateDescriptor(
            final int stateId, final String name, final String kind, final String keyCodecId,
            final String valueCodecId, final String userKeyCodecId, final long ttlMs)
        {
            this(stateId, name, kind, keyCodecId, valueCodecId, userKeyCodecId, ttlMs, "");
        }

        public StateDescriptor
        {
            operator = operator == null ? "" : operator;
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(keyCodecId, "keyCodecId");
            Objects.requireNonNull(valueCodecId, "valueCodecId");
            userKeyCodecId = userKeyCodecId == null ? "" : userKeyCodecId;
        }
    }

    public CheckpointManifest
    {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(backendName, "backendName");
        if (checkpointId < 0)
        {
            throw new IllegalArgumentException("checkpointId must be >= 0: " + checkpointId);
        }
        if (maxParallelism <= 0)
        {
            throw new IllegalArgumentException("maxParallelism must be > 0: " + maxParallelism);
        }
        shards = List.copyOf(shards);
        sources = List.copyOf(sources);
        states = List.copyOf(states);
        properties = java.util.Collections.unmodifiableMap(new TreeMap<>(properties));
        broadcasts = List.copyOf(broadcasts);
    }

    /**
     * @return a new builder.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /** The uids of the operators with state in this checkpoint, in the order of {@link #shards()}. */
    public List<String> operators()
    {
        final List<String> operators = new ArrayList<>();
        for (final ShardState shard : shards)
        {
            if (!operators.contains(shard.operator()))
            {
                operators.add(shard.operator());
            }
        }
        return operators;
    }

    /** The shard states of operator {@code operator}, in shard order. */
    public List<ShardState> shardsOf(final String operator)
    {
        final List<ShardState> of = new ArrayList<>();
        for (final ShardState shard : shards)
        {
            if (shard.operator().equals(operator))
            {
                of.add(shard);
            }
        }
        return of;
    }

    /** Prefix of the properties that belong to one operator: {@code operator.UID.} then the property. */
    public static String operatorPropertyPrefix(final String operator)
    {
        return operator.isEmpty() ? "" : "operator." + operator + ".";
    }

    /**
     * This checkpoint as seen by one operator: its shard states and states (as the empty operator's), and the
     * properties, with that operator's own ({@link #operatorPropertyPrefix}) in place of the job-wide ones.
     */
    public CheckpointManifest forOperator(final String operator)
    {
        if (operator.isEmpty())
        {
            return new CheckpointManifest(checkpointId, kind, creationTimeMs, maxParallelism, backendName,
                shardsOf(operator), sources, statesOf(operator), properties, broadcastsAs(operator));
        }
        final List<ShardState> shardStates = new ArrayList<>();
        for (final ShardState shard : shardsOf(operator))
        {
            shardStates.add(new ShardState(shard.shardId(), shard.firstKeyGroup(), shard.lastKeyGroup(),
                shard.files(), shard.watermark(), shard.timerCount(), shard.timers(), ""));
        }
        final List<StateDescriptor> stateDescriptors = new ArrayList<>();
        for (final StateDescriptor state : statesOf(operator))
        {
            stateDescriptors.add(new StateDescriptor(state.stateId(), state.name(), state.kind(), state.keyCodecId(),
                state.valueCodecId(), state.userKeyCodecId(), state.ttlMs(), ""));
        }
        final String prefix = operatorPropertyPrefix(operator);
        final Map<String, String> operatorProperties = new TreeMap<>(properties);
        properties.forEach((key, value) ->
        {
            if (key.startsWith(prefix))
            {
                operatorProperties.put(key.substring(prefix.length()), value);
            }
        });
        return new CheckpointManifest(checkpointId, kind, creationTimeMs, maxParallelism, backendName, shardStates,
            sources, stateDescriptors, operatorProperties, broadcastsAs(operator));
    }

    /** The broadcast file of {@code operator}, as the empty operator's. */
    private List<BroadcastFile> broadcastsAs(final String operator)
    {
        final FileRef file = broadcastOf(operator);
        return null == file ? List.of() : List.of(new BroadcastFile("", file));
    }

    /** The states operator {@code operator} registered. */
    public List<StateDescriptor> statesOf(final String operator)
    {
        final List<StateDescriptor> of = new ArrayList<>();
        for (final StateDescriptor state : states)
        {
            if (state.operator().equals(operator))
            {
                of.add(state);
            }
        }
        return of;
    }

    /**
     * @return every data file name referenced by any shard.
     */
    public List<String> fileNames()
    {
        final List<String> names = new ArrayList<>();
        for (final ShardState shard : shards)
        {
            for (final FileRef file : shard.files())
            {
                names.add(file.name());
            }
            if (shard.timers() != null)
            {
                names.add(shard.timers().name());
            }
        }
        for (final BroadcastFile broadcast : broadcasts)
        {
            names.add(broadcast.file().name());
        }
        return names;
    }

    public String toString()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append(kind == CheckpointKind.SAVEPOINT ? "savepoint " : "checkpoint ").append(checkpointId).append('\n');
        sb.append("  created:         ").append(java.time.Instant.ofEpochMilli(creationTimeMs))
            .append(" (").append(creationTimeMs).append(" ms)\n");
        sb.append("  backend:         ").append(backendName).append('\n');
        sb.append("  maxParallelism:  ").append(maxParallelism).append('\n');
        sb.append("  shards:          ").append(shards.size()).append('\n');
        for (final ShardState shard : shards)
        {
            sb.append(shard.operator().isEmpty() ? "    shard " : "    operator " + shard.operator() + " shard ")
                .append(shard.shardId())
                .append(" key groups [").append(shard.firstKeyGroup()).append(", ").append(shard.lastKeyGroup())
                .append("] watermark ").append(shard.watermark())
                .append(" timers ").append(shard.timerCount()).append('\n');
            for (final FileRef file : shard.files())
            {
                sb.append("      ").append(file.kind()).append(' ').append(file.name())
                    .append(' ').append(file.sizeBytes()).append(" bytes\n");
            }
            if (shard.timers() != null)
            {
                sb.append("      TIMERS ").append(shard.timers().name()).append(' ')
                    .append(shard.timers().sizeBytes()).append(" bytes\n");
            }
        }
        for (final BroadcastFile broadcast : broadcasts)
        {
            sb.append(broadcast.operator().isEmpty() ? "    broadcast state" :
                "    operator " + broadcast.operator() + " broadcast state").append('\n')
                .append("      BROADCAST ").append(broadcast.file().name()).append(' ')
                .append(broadcast.file().sizeBytes()).append(" bytes\n");
        }
        sb.append("  sources:         ").append(sources.size()).append('\n');
        for (final SourcePosition source : sources)
        {
            sb.append("    ").append(source.sourceName()).append(" position ").append(source.position())
                .append(" line ").append(source.line()).append('\n');
        }
        sb.append("  states:          ").append(states.size()).append('\n');
        for (final StateDescriptor state : states)
        {
            sb.append("    ").append(state.operator().isEmpty() ? "" : state.operator() + " ")
                .append('#').append(state.stateId()).append(' ').append(state.name())
                .append(' ').append(state.kind())
                .append(" key=").append(state.keyCodecId())
                .append(" value=").append(state.valueCodecId());
            if (!state.userKeyCodecId().isEmpty())
            {
                sb.append(" userKey=").append(state.userKeyCodecId());
            }
            sb.append(" ttl=").append(state.ttlMs() == 0 ? "none" : state.ttlMs() + "ms").append('\n');
        }
        sb.append("  properties:      ").append(properties.size()).append('\n');
        properties.forEach((k, v) -> sb.append("    ").append(k).append(" = ").append(v).append('\n'));
        return sb.toString();
    }

    /**
     * Single-use builder of a {@link CheckpointManifest}.
     */
    public static final class Builder
    {
        private long checkpointId = -1;
        private CheckpointKind kind = CheckpointKind.CHECKPOINT;
        private long creationTimeMs;
        private int maxParallelism;
        private String backendName;
        private final List<ShardState> shards = new ArrayList<>();
        private final List<SourcePosition> sources = new ArrayList<>();
        private final List<StateDescriptor> states = new ArrayList<>();
        private final Map<String, String> properties = new TreeMap<>();
        private final List<BroadcastFile> broadcasts = new ArrayList<>();

        public Builder checkpointId(final long checkpointId)
        {
            this.checkpointId = checkpointId;
            return this;
        }

        public Builder kind(final CheckpointKind kind)
        {
            this.kind = kind;
            return this;
        }

        public Builder creationTimeMs(final long creationTimeMs)
        {
            this.creationTimeMs = creationTimeMs;
            return this;
        }

        public Builder maxParallelism(final int maxParallelism)
        {
            this.maxParallelism = maxParallelism;
            return this;
        }

        public Builder backendName(final String backendName)
        {
            this.backendName = backendName;
            return this;
        }

        public Builder addShard(final ShardState shard)
        {
            shards.add(shard);
            return this;
        }

        public Builder addSource(final String sourceName, final long position, final long line)
        {
            sources.add(new SourcePosition(sourceName, position, line));
            return this;
        }

        public Builder addState(final StateDescriptor state)
        {
            states.add(state);
            return this;
        }

        public Builder addBroadcast(final BroadcastFile broadcast)
        {
            broadcasts.add(broadcast);
            return this;
        }

        public Builder property(final String key, final String value)
        {
            properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * @return the manifest.
         * @throws IllegalArgumentException if a required field is missing or invalid.
         */
        public CheckpointManifest build()
        {
            if (backendName == null)
            {
                throw new IllegalArgumentException("backendName is required");
            }
            return new CheckpointManifest(checkpointId, kind, creationTimeMs, maxParallelism, backendName, shards,
                sources, states, properties, broadcasts);
        }
    }
}
