package io.weir.engine;

import io.weir.engine.runtime.DutyCycleInvoker;
import io.weir.engine.runtime.EncodedLengths;
import io.weir.engine.runtime.JobStatus;
import io.weir.engine.runtime.KeyEncoder;
import io.weir.engine.runtime.KeyGroups;
import io.weir.engine.runtime.RecordDescriptor;
import io.weir.api.codec.Codec;
import io.weir.api.eventtime.WatermarkStrategy;
import io.weir.api.functions.TimestampAssigner;
import io.weir.engine.runtime.checkpoint.CheckpointCoordinator;
import io.weir.engine.runtime.snapshot.SourceBarrierAck;
import io.weir.engine.counters.ProducerCounters;
import io.weir.state.spi.SmallCopy;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;

/**
 * A handle through which ONE thread feeds elements to a job: it owns one single-producer ring per shard,
 * encodes each element once, straight into the ring of the shard that owns the element's key group, and
 * derives watermarks from the timestamps it sends.
 * <p>
 * Not thread-safe: each producing thread takes its own handle. {@link #tryOffer} never blocks and never
 * allocates (with allocation-free codecs); it returns false on back-pressure, and the caller retries later.
 * <p>
 * The operators before the keyBy (map, filter) run exactly once per accepted element: when a ring refuses a
 * record they made (keyed, or broadcast to every ring), the producer keeps one copy of its encoded bytes and
 * accepts the element; every later message (the next record, watermarks, barriers, the end of input) waits until
 * that copy is in every ring it is owed to, so nothing is
 * re-applied, lost or reordered, and the caller sees back-pressure on its next call. The same holds for the
 * operators a key encoder runs to pick a branch's key ({@link KeyEncoder#runsOperators}); the element is encoded
 * before they run, so the shard gets it as it was offered.
 */
public final class Producer<I> implements io.weir.api.dataflow.SourceProducer<I>
{
    private static final java.lang.invoke.VarHandle OFFERED;

    static
    {
        try
        {
            OFFERED = java.lang.invoke.MethodHandles.lookup().findVarHandle(Producer.class, "offered", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /**
     * The stateless operators between a source and its keyBy (map, filter), applied before the element is encoded.
     */
    @FunctionalInterface
    interface Transform<S>
    {
        /** The record to send for {@code value}, or null to send nothing. */
        Object apply(S value) throws Exception;
    }

    private final int producerIndex;
    /** Source name recorded with each barrier; built once, since it is passed on every offer. */
    private final String sourceName;
    private final JobStatus status;
    private final OneToOneRingBuffer[] rings;
    private final long[] sentWatermarks;
    private final boolean[] endSent;
    private final Codec<Object> codec;
    private final KeyEncoder<Object, ?> keyEncoder;
    /** Null when the source's elements are sent as they are. */
    private final Transform<I> transform;
    private final TimestampAssigner<I> timestampAssigner;
    private final WatermarkStrategy watermarkStrategy;
    private final int maxParallelism;
    private final int shards;
    private final int maxKeyLength;
    private final int watermarkBroadcastEvents;
    private final IdleStrategy idleStrategy;
    private final ExpandableArrayBuffer keyBuffer = new ExpandableArrayBuffer(64);
    /** Elements go to every ring ({@link KeyEncoder#isBroadcast()}). */
    private final boolean broadcast;
    /** {@link KeyEncoder#runsOperators} of {@link #keyEncoder}: each value is encoded into {@link #encodedValue}. */
    private final boolean runsOperators;
    /** The claims of a broadcast element, per ring. */
    private final int[] claims;
    /**
     * An accepted record that rings refused, encoded once as the ring's message payload: still owed to the rings
     * {@code heldFromShard} (inclusive) to {@code heldToShard} (exclusive), in order; sent before anything else.
     * One ring for a keyed record, the rest of the rings for a broadcast one.
     */
    private final ExpandableArrayBuffer heldRecord = new ExpandableArrayBuffer(128);
    /** The element, encoded before a key encoder that {@link KeyEncoder#runsOperators} runs them on it. */
    private final ExpandableArrayBuffer encodedValue = new ExpandableArrayBuffer(128);
    /** Bytes of {@link #encodedValue} the record in hand takes, when {@link #runsOperators}. */
    private int encodedValueLength;
    private int heldFromShard;
    private int heldToShard;
    private int heldLength;

    /** Flink's starting point, {@code MIN + bound + 1}, so that {@code max - bound - 1} never overflows. */
    private long maxTimestamp;
    private CheckpointCoordinator coordinator;
    private long lastBarrierId;
    private long injectingBarrierId = -1;
    private int injectingFlags;
    private boolean stopRequested;
    private boolean isApplicationProducer;
    private final boolean[] barrierDelivered;
    private long watermark = Long.MIN_VALUE;
    private int eventsSinceBroadcast;
    private boolean ended;
    private long offered;
    /** Null when the job publishes no counters. */
    private ProducerCounters counters;
    /** The job's invoker in {@code INVOKER} mode, else null: a full ring is drained by this thread. */
    private DutyCycleInvoker invoker;

    /**
     * @param codec      encodes the records {@code transform} makes (the elements themselves without one).
     * @param keyEncoder keys those records.
     * @param transform  null to send the elements as they are.
     */
    @SuppressWarnings("unchecked")
    Producer(
        final int producerIndex,
        final JobStatus status,
        final AtomicBuffer[] ringBuffers,
        final Codec<?> codec,
        final KeyEncoder<?, ?> keyEncoder,
        final TimestampAssigner<I> timestampAssigner,
        final WatermarkStrategy watermarkStrategy,
        final WeirContext context,
        final IdleStrategy idleStrategy,
        final Transform<I> transform)
    {
        this.producerIndex = producerIndex;
        this.sourceName = "producer-" + producerIndex;
        this.status = status;
        this.shards = ringBuffers.length;
        this.rings = new OneToOneRingBuffer[shards];
        for (int i = 0; i < shards; i++)
        {
            rings[i] = new OneToOneRingBuffer(ringBuffers[i]);
        }
        this.sentWatermarks = new long[shards];
        java.util.Arrays.fill(sentWatermarks, Long.MIN_VALUE);
        this.endSent = new boolean[shards];
        this.barrierDelivered = new boolean[shards];
        this.codec = (Codec<Object>)codec;
        this.keyEncoder = (KeyEncoder<Object, ?>)keyEncoder;
        this.broadcast = keyEncoder.isBroadcast();
        this.runsOperators = keyEncoder.runsOperators();
        this.claims = new int[shards];
        this.transform = transform;
        this.timestampAssigner = timestampAssigner;
        this.watermarkStrategy = watermarkStrategy;
        this.maxParallelism = context.maxParallelism();
        this.maxKeyLength = context.maxKeyLength();
        this.watermarkBroadcastEvents = context.watermarkBroadcastEvents();
        this.idleStrategy = idleStrategy;
        this.maxTimestamp = watermarkStrategy.isAutomatic() ?
            Long.MIN_VALUE + watermarkStrategy.outOfOrdernessMs() + 1 : Long.MIN_VALUE;
    }

    /** Count back-pressure in {@code counters}; called before the producer is used. */
    void counters(final ProducerCounters counters)
    {
        this.counters = counters;
    }

    /**
     * In {@code INVOKER} mode nothing else reads the rings: an offer held back by a full ring runs the job's duty
     * cycle on this thread and retries once, and the blocking calls run it between retries. Called before use.
     */
    void invoker(final DutyCycleInvoker invoker)
    {
        this.invoker = invoker;
    }

    /** This producer's index, from 0, among the job's producers. */
    public int producerIndex()
    {
        return producerIndex;
    }

    /** For an application's producer: inject checkpoint barriers the coordinator asks for, before elements. */
    void injectBarriersFor(final CheckpointCoordinator coordinator)
    {
        this.coordinator = coordinator;
    }

    /** An application's producer injects requested barriers itself, in {@link #tryOffer}. */
    void injectBarriersOnOffer(final CheckpointCoordinator coordinator)
    {
        this.coordinator = coordinator;
        this.isApplicationProducer = true;
    }

    /**
     * Inject a requested checkpoint barrier now, between elements: checkpoints of a job fed by application
     * producers progress when those producers offer or call this. The position recorded is {@link #offered()}.
     *
     * @return true when no barrier is pending; false if a full ring delayed it (the next offer retries).
     */
    public boolean tryInjectRequestedBarrier()
    {
        return tryInjectRequestedBarrier(sourceName, offered, 0);
    }

    /**
     * Inject a requested barrier, recording where the input stands: a restore resumes right after
     * {@code position}. Called between elements by the producing thread.
     *
     * @return true when no barrier is pending; false if a full ring delayed it (call again).
     */
    boolean tryInjectRequestedBarrier(final String sourceName, final long position, final long line)
    {
        if (coordinator == null || ended)
        {
            // An ended producer takes part in no more barriers: checkpoints record it at its end.
            return true;
        }
        if (injectingBarrierId < 0)
        {
            final long request = coordinator.barrierRequest();
            final long checkpointId = request >>> 8;
            if (request == 0 || checkpointId <= lastBarrierId)
            {
                return true;
            }
            injectingBarrierId = checkpointId;
            injectingFlags = (int)(request & 0xFF);
            java.util.Arrays.fill(barrierDelivered, false);
        }
        if (!trySendHeldRecord())
        {
            // the barrier follows every accepted element, the held one too
            return false;
        }
        if (!tryBarrier(injectingBarrierId, injectingFlags, barrierDelivered))
        {
            return false;
        }
        coordinator.onSourceBarrier(new SourceBarrierAck(
            injectingBarrierId, producerIndex, sourceName, position, line, maxTimestamp, watermark));
        lastBarrierId = injectingBarrierId;
        injectingBarrierId = -1;
        if ((injectingFlags & RecordDescriptor.BARRIER_FLAG_STOP) != 0)
        {
            stopRequested = true;
        }
        return true;
    }

    /** The id of the last barrier this producer injected; 0 before the first. */
    long lastBarrierId()
    {
        return lastBarrierId;
    }

    /** True after this producer injected a stop-with-savepoint barrier: it must offer nothing more. */
    boolean isStopRequested()
    {
        return stopRequested;
    }

    /** Highest timestamp seen by the watermark generator (checkpointed with the source position). */
    long maxTimestamp()
    {
        return maxTimestamp;
    }

    /** Resume the watermark generator where a checkpoint left it. Called before the producer is used. */
    void restoreWatermarkState(final long maxTimestamp, final long watermark)
    {
        this.maxTimestamp = maxTimestamp;
        this.watermark = watermark;
        java.util.Arrays.fill(sentWatermarks, watermark);
    }

    /** This producer's current watermark. */
    public long watermark()
    {
        return watermark;
    }

    /** Elements accepted so far. */
    public long offered()
    {
        return offered;
    }

    /** {@link #offered()}, from any thread: how input gates tell that this producer went idle. */
    public long elementsOffered()
    {
        return (long)OFFERED.getOpaque(this);
    }

    /**
     * Encode the element into its shard's ring.
     * <p>
     * In {@code INVOKER} mode a full ring makes this call run one duty cycle of the job on this thread (unless
     * another thread is running one) and retry once.
     *
     * @return true if accepted; false if that ring is full (back-pressure): nothing was written, retry later.
     * @throws JobFailedException if the job has failed.
     * @throws IllegalStateException after {@link #endOfInput()}.
     */
    public boolean tryOffer(final I value)
    {
        if (offerOnce(value))
        {
            return true;
        }
        return null != invoker && invoker.tryInvoke() > 0 && offerOnce(value);
    }

    private boolean offerOnce(final I value)
    {
        if (ended)
        {
            throw new IllegalStateException("producer " + producerIndex + " already sent end of input");
        }
        if (status.isAborting())
        {
            JobFailedException.checkNotFailed(status);
            throw new IllegalStateException("job '" + status.jobName() + "' is closed");
        }
        if (!trySendHeldRecord())
        {
            if (null != counters)
            {
                counters.onBackPressure();
            }
            return false;
        }
        if (coordinator != null && isApplicationProducer && !tryInjectRequestedBarrier())
        {
            return false;
        }
        final long timestamp = timestampAssigner.timestamp(value);
        final Object record = null == transform ? value : transform(value);
        if (null == record)
        {
            // Filtered out before its keyBy: accepted, and its timestamp still moves the watermark, which goes out
            // as often as for a record sent, so that a producer whose filter passes nothing holds back no stage.
            onOffered(timestamp);
            return true;
        }
        if (runsOperators)
        {
            // Encoded as it came: the operators the key encoder runs may change it.
            final int encodedLength = codec.encodedLength(record);
            encodedValue.checkLimit(encodedLength);
            encodedValueLength = codec.encode(record, encodedValue, 0);
            EncodedLengths.check(codec, encodedLength, encodedValueLength);
        }
        final int keyLength = keyEncoder.encodeKey(record, keyBuffer);
        if (keyLength > maxKeyLength)
        {
            throw new IllegalArgumentException("key of " + keyLength + " bytes exceeds maxKeyLength " +
                maxKeyLength + " for element " + value);
        }
        if (broadcast)
        {
            return tryOfferToAll(record, timestamp);
        }
        final int keyGroup = KeyGroups.keyGroup(keyBuffer, 0, keyLength, maxParallelism);
        final int shard = KeyGroups.shardForKeyGroup(keyGroup, maxParallelism, shards);
        final OneToOneRingBuffer ring = rings[shard];
        final int valueLength = runsOperators ? encodedValueLength : codec.encodedLength(record);
        final int length = RecordDescriptor.EVENT_HEADER_LENGTH + keyLength + valueLength;
        if (length > ring.maxMsgLength())
        {
            throw new IllegalArgumentException("encoded element of " + length + " bytes exceeds the ring's max " +
                "message length " + ring.maxMsgLength() + "; raise ringCapacityBytes");
        }
        final int index = ring.tryClaim(RecordDescriptor.EVENT_MSG_TYPE, length);
        if (index < 0)
        {
            if (null != counters)
            {
                counters.onBackPressure();
            }
            if (null == transform && !runsOperators)
            {
                // nothing ran on the element yet: the caller offers it again
                return false;
            }
            // operators have run on it: keep the record, never run them again
            hold(record, timestamp, keyGroup, keyLength, length, shard, shard + 1);
        }
        else
        {
            final AtomicBuffer buffer = ring.buffer();
            try
            {
                encodeRecord(buffer, index, record, timestamp, keyGroup, keyLength, valueLength);
            }
            catch (final RuntimeException ex)
            {
                ring.abort(index);
                throw ex;
            }
            ring.commit(index);
            if (watermark > sentWatermarks[shard])
            {
                sentWatermarks[shard] = watermark;
            }
        }
        onOffered(timestamp);
        return true;
    }

    /**
     * A broadcast element goes into every ring or none: every claim is taken first, and if one ring is full the
     * claims already taken are aborted (the reader skips them). Without operators before the keyBy the offer then
     * fails, to be retried whole; with them, the record is held for every ring ({@link #trySendHeldRecord}), as a
     * keyed record is, so that they never run twice on one element.
     */
    private boolean tryOfferToAll(final Object record, final long timestamp)
    {
        final int length = RecordDescriptor.EVENT_HEADER_LENGTH + codec.encodedLength(record);
        for (int shard = 0; shard < shards; shard++)
        {
            final OneToOneRingBuffer ring = rings[shard];
            if (length > ring.maxMsgLength())
            {
                abortClaims(shard);
                throw new IllegalArgumentException("encoded element of " + length + " bytes exceeds the ring's " +
                    "max message length " + ring.maxMsgLength() + "; raise ringCapacityBytes");
            }
            final int index = ring.tryClaim(RecordDescriptor.EVENT_MSG_TYPE, length);
            if (index < 0)
            {
                abortClaims(shard);
                if (null != counters)
                {
                    counters.onBackPressure();
                }
                if (null == transform)
                {
                    return false;
                }
                hold(record, timestamp, 0, 0, length, 0, shards);
                onOffered(timestamp);
                return true;
            }
            claims[shard] = index;
        }
        for (int shard = 0; shard < shards; shard++)
        {
            final AtomicBuffer buffer = rings[shard].buffer();
            final int index = claims[shard];
            try
            {
                encodeRecord(buffer, index, record, timestamp, 0, 0, length - RecordDescriptor.EVENT_HEADER_LENGTH);
            }
            catch (final RuntimeException ex)
            {
                abortClaims(shards);
                throw ex;
            }
        }
        for (int shard = 0; shard < shards; shard++)
        {
            rings[shard].commit(claims[shard]);
            if (watermark > sentWatermarks[shard])
            {
                sentWatermarks[shard] = watermark;
            }
        }
        onOffered(timestamp);
        return true;
    }

    /** Keep an accepted record the rings {@code fromShard} to {@code toShard} (exclusive) refused. */
    private void hold(
        final Object record, final long timestamp, final int keyGroup, final int keyLength, final int length,
        final int fromShard, final int toShard)
    {
        heldRecord.checkLimit(length);
        encodeRecord(heldRecord, 0, record, timestamp, keyGroup, keyLength,
            length - RecordDescriptor.EVENT_HEADER_LENGTH - keyLength);
        heldLength = length;
        heldFromShard = fromShard;
        heldToShard = toShard;
    }

    private void abortClaims(final int claimed)
    {
        for (int shard = 0; shard < claimed; shard++)
        {
            rings[shard].abort(claims[shard]);
        }
    }

    private void onOffered(final long timestamp)
    {
        OFFERED.setOpaque(this, offered + 1);
        if (watermarkStrategy.isAutomatic())
        {
            onTimestamp(timestamp);
        }
        if (++eventsSinceBroadcast >= watermarkBroadcastEvents)
        {
            eventsSinceBroadcast = 0;
            tryFlushWatermarks();
        }
    }

    private void encodeRecord(
        final org.agrona.MutableDirectBuffer buffer,
        final int index,
        final Object record,
        final long timestamp,
        final int keyGroup,
        final int keyLength,
        final int valueLength)
    {
        buffer.putLong(index + RecordDescriptor.WATERMARK_OFFSET, watermark);
        buffer.putLong(index + RecordDescriptor.TIMESTAMP_OFFSET, timestamp);
        buffer.putInt(index + RecordDescriptor.KEY_GROUP_OFFSET, keyGroup);
        buffer.putInt(index + RecordDescriptor.KEY_LENGTH_OFFSET, keyLength);
        SmallCopy.copy(buffer, index + RecordDescriptor.KEY_OFFSET, keyBuffer, 0, keyLength);
        if (runsOperators)
        {
            buffer.putBytes(index + RecordDescriptor.KEY_OFFSET + keyLength, encodedValue, 0, encodedValueLength);
        }
        else
        {
            final int written = codec.encode(record, buffer, index + RecordDescriptor.KEY_OFFSET + keyLength);
            if (EncodedLengths.CHECKED && written != valueLength)
            {
                throw encodedLengthMismatch(valueLength, written);
            }
        }
    }

    /** Out of line, to keep {@link #encodeRecord} small: the refusal, and the job's failure if it overran. */
    private IllegalStateException encodedLengthMismatch(final int declared, final int written)
    {
        final IllegalStateException mismatch = EncodedLengths.mismatch(codec, declared, written);
        if (written > declared)
        {
            // Past the claim: over the ring's next record header, which aborting this claim does not mend.
            status.fail(mismatch);
        }
        return mismatch;
    }

    /** True while a record a full ring refused is held; for tests that step the agents by hand. */
    boolean holdsRecord()
    {
        return heldFromShard < heldToShard;
    }

    /**
     * Send the record a full ring refused after the operators before keyBy made it, if any.
     *
     * @return true when no record is held any more.
     */
    private boolean trySendHeldRecord()
    {
        while (heldFromShard < heldToShard)
        {
            final int shard = heldFromShard;
            final OneToOneRingBuffer ring = rings[shard];
            final int index = ring.tryClaim(RecordDescriptor.EVENT_MSG_TYPE, heldLength);
            if (index < 0)
            {
                return false;
            }
            ring.buffer().putBytes(index, heldRecord, 0, heldLength);
            ring.commit(index);
            final long recordWatermark = heldRecord.getLong(RecordDescriptor.WATERMARK_OFFSET);
            if (recordWatermark > sentWatermarks[shard])
            {
                sentWatermarks[shard] = recordWatermark;
            }
            heldFromShard = shard + 1;
        }
        return true;
    }

    private Object transform(final I value)
    {
        try
        {
            return transform.apply(value);
        }
        catch (final RuntimeException ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("producer " + producerIndex + ": an operator before keyBy failed on " +
                value + ": " + ex, ex);
        }
    }

    /**
     * Offer, retrying with the producer's idle strategy until accepted or {@code timeoutNs} passed.
     *
     * @return false on timeout.
     */
    public boolean offer(final I value, final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        idleStrategy.reset();
        while (!tryOffer(value))
        {
            if (System.nanoTime() - deadlineNs >= 0)
            {
                return false;
            }
            idle();
        }
        return true;
    }

    /** Advance this producer's watermark (monotonic; lower values are ignored); sent with the next flush. */
    public void emitWatermark(final long watermarkMs)
    {
        if (watermarkMs > watermark)
        {
            watermark = watermarkMs;
        }
    }

    /**
     * Send the current watermark to every shard that has not seen it yet.
     *
     * @return true if every shard is up to date; false if a full ring made some wait (retry later).
     */
    public boolean tryFlushWatermarks()
    {
        if (!trySendHeldRecord())
        {
            return false;
        }
        boolean complete = true;
        for (int shard = 0; shard < shards; shard++)
        {
            if (sentWatermarks[shard] < watermark)
            {
                final OneToOneRingBuffer ring = rings[shard];
                final int index = ring.tryClaim(RecordDescriptor.WATERMARK_MSG_TYPE, Long.BYTES);
                if (index < 0)
                {
                    complete = false;
                    continue;
                }
                ring.buffer().putLong(index + RecordDescriptor.WATERMARK_OFFSET, watermark);
                ring.commit(index);
                sentWatermarks[shard] = watermark;
            }
        }
        return complete;
    }

    /**
     * Tell every shard this producer is done; pending watermarks are flushed first. Checkpoints taken after this
     * record the producer at its end, {@link #offered()}.
     *
     * @return true when every shard has been told; false on back-pressure (call again).
     */
    public boolean tryEndOfInput()
    {
        return tryEndOfInput(sourceName, offered, 0);
    }

    /**
     * {@link #tryEndOfInput()}, recording where the input ended: checkpoints this producer takes no more part in
     * record it there, so that a restore resumes it at its end.
     */
    boolean tryEndOfInput(final String sourceName, final long position, final long line)
    {
        if (!ended && coordinator != null)
        {
            coordinator.onProducerEnded(new SourceBarrierAck(
                lastBarrierId, producerIndex, sourceName, position, line, maxTimestamp, watermark));
        }
        ended = true;
        if (!tryFlushWatermarks())
        {
            return false;
        }
        boolean complete = true;
        for (int shard = 0; shard < shards; shard++)
        {
            if (!endSent[shard])
            {
                final OneToOneRingBuffer ring = rings[shard];
                final int index = ring.tryClaim(RecordDescriptor.END_OF_INPUT_MSG_TYPE, 0);
                if (index < 0)
                {
                    complete = false;
                    continue;
                }
                ring.commit(index);
                endSent[shard] = true;
            }
        }
        return complete;
    }

    /** Blocking {@link #tryEndOfInput()}: returns once every shard has been told, or the job stopped. */
    public void endOfInput()
    {
        idleStrategy.reset();
        while (!tryEndOfInput())
        {
            if (status.isAborting())
            {
                JobFailedException.checkNotFailed(status);
                return;
            }
            idle();
        }
    }

    /** True once end of input has been delivered to every shard. */
    public boolean isEnded()
    {
        if (!ended)
        {
            return false;
        }
        for (final boolean sent : endSent)
        {
            if (!sent)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Write a checkpoint barrier into every ring (used by the checkpoint coordinator through the source thread).
     *
     * @return true if every shard got it; on false, nothing was committed to the rings that were full and the
     *         caller retries with the same id (shards ignore duplicates).
     */
    boolean tryBarrier(final long checkpointId, final int flags, final boolean[] delivered)
    {
        boolean complete = true;
        for (int shard = 0; shard < shards; shard++)
        {
            if (!delivered[shard])
            {
                final OneToOneRingBuffer ring = rings[shard];
                final int index = ring.tryClaim(RecordDescriptor.BARRIER_MSG_TYPE, RecordDescriptor.BARRIER_LENGTH);
                if (index < 0)
                {
                    complete = false;
                    continue;
                }
                ring.buffer().putLong(index + RecordDescriptor.BARRIER_CHECKPOINT_ID_OFFSET, checkpointId);
                ring.buffer().putInt(index + RecordDescriptor.BARRIER_FLAGS_OFFSET, flags);
                ring.commit(index);
                delivered[shard] = true;
            }
        }
        return complete;
    }

    private void idle()
    {
        if (null == invoker || 0 == invoker.tryInvoke())
        {
            idleStrategy.idle();
        }
        else
        {
            idleStrategy.reset();
        }
    }

    private void onTimestamp(final long timestamp)
    {
        if (timestamp > maxTimestamp)
        {
            maxTimestamp = timestamp;
            final long candidate = maxTimestamp - watermarkStrategy.outOfOrdernessMs() - 1;
            if (candidate > watermark)
            {
                watermark = candidate;
            }
        }
    }
}
