package io.weir.api.dataflow;

/**
 * The handle through which ONE application thread feeds a source of a running job
 * ({@link Job#producer(String, int)}). Not thread-safe: each producing thread takes its own.
 */
public interface SourceProducer<T>
{
    /**
     * Send {@code value} into the job. Never blocks and never allocates (with allocation-free codecs).
     *
     * @return false on back-pressure: nothing was sent, retry later.
     */
    boolean tryOffer(T value);

    /**
     * {@link #tryOffer}, retrying until accepted or {@code timeoutNs} passed.
     *
     * @return false on timeout.
     */
    boolean offer(T value, long timeoutNs);

    /** Advance this producer's watermark (monotonic); sent with the next flush. */
    void emitWatermark(long watermarkMs);

    /** @return false if a full ring made some downstream instance wait for the watermark (retry later). */
    boolean tryFlushWatermarks();

    /** @return true once every downstream instance has been told the input ended; false on back-pressure. */
    boolean tryEndOfInput();

    /** Blocking {@link #tryEndOfInput()}. */
    void endOfInput();
}
