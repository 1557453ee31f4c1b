package io.weir.engine.runtime;

import io.weir.api.codec.Codec;

/**
 * A record's room in a ring is claimed from {@link Codec#encodedLength} before {@link Codec#encode} runs, so the two
 * must agree: a codec that writes less leaves bytes that the reader would decode as the value, and one that writes
 * more has already written past its record when this check sees the length it returns (in a ring, over the next
 * record's header), so its caller fails the job. Called on the thread that encoded, right after the encode.
 */
public final class EncodedLengths
{
    private EncodedLengths()
    {
    }

    /**
     * @throws IllegalStateException from {@link #mismatch}, if {@code written != declared}.
     */
    public static void check(final Codec<?> codec, final int declared, final int written)
    {
        if (written != declared)
        {
            throw mismatch(codec, declared, written);
        }
    }

    /** The failure of a codec that wrote {@code written} bytes where it declared {@code declared}; names both. */
    public static IllegalStateException mismatch(final Codec<?> codec, final int declared, final int written)
    {
        return new IllegalStateException("codec '" + codec.id() + "' wrote " + written + " bytes of a value for " +
            "which its encodedLength gave " + declared + "; the two must agree (a record's room in a ring is " +
            "claimed from encodedLength before encode runs)");
    }
}
