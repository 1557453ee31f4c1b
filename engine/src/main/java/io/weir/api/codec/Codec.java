package io.weir.api.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Turns values into bytes and back, without Java serialization. Codecs are stateless and thread-safe; one
 * instance may serve every shard.
 * <p>
 * {@link #decode} takes a {@code reuse} instance so that mutable types (accumulators, events) can be decoded
 * without allocation: a codec of a mutable type fills and returns {@code reuse} when it is not null.
 *
 * @param <T> the value type.
 */
public interface Codec<T>
{
    /** Returned by {@link #fixedLength()} for variable-length codecs. */
    int VARIABLE_LENGTH = -1;

    /** Stable identifier recorded in checkpoint manifests, e.g. {@code long}, {@code string-utf8}. */
    String id();

    /** The encoded length of every value, or {@link #VARIABLE_LENGTH}. */
    int fixedLength();

    /**
     * Bytes {@link #encode} will write for this value, exactly: a record's room in a ring is claimed from it before
     * {@link #encode} runs. A record whose encode returns another length is refused with an
     * {@link IllegalStateException} naming this codec: an application's offer throws it and, if encode wrote into a
     * ring and returned more, the job fails too, since the bytes past the room have already overwritten the ring's
     * next record header; on a shard it fails the job. Only the returned length is checked, so encode must never
     * write past this length. The rings check where Agrona's bounds checks are on (the default; the ./weir launcher
     * turns them off for the commands that run jobs).
     */
    int encodedLength(T value);

    /**
     * Write the value at {@code offset}; the buffer has room for {@link #encodedLength(Object)} bytes.
     *
     * @return bytes written.
     */
    int encode(T value, MutableDirectBuffer buffer, int offset);

    /** Read a value of {@code length} bytes at {@code offset}, filling {@code reuse} where the type allows. */
    T decode(DirectBuffer buffer, int offset, int length, T reuse);

    /** Render an encoded value for tools (dump, diff). */
    default String format(final DirectBuffer buffer, final int offset, final int length)
    {
        return String.valueOf(decode(buffer, offset, length, null));
    }
}
