package io.weir.engine.runtime;

import io.weir.api.codec.Codec;

/**
 * A record's room in a ring is claimed from {@link Codec#encodedLength} before {@link Codec#encode} runs, so the two
 * must agree: a codec that writes more spills past its record, and one that writes less leaves bytes that the
 * reader decodes as the value. Called on the thread that encoded, right after the encode.
 */
public final class EncodedLengths
{
    private EncodedLengths()
    {
    }

    /**
     * @throws IllegalStateException naming the codec and both lengths, if {@code written != declared}.
     */
    public static void check(final Codec<?> codec, final int declared, final int written)
    {
        if (written != declared)
        {
            throw new IllegalStateException("codec '" + codec.id() + "' wrote " + written + " bytes of a value for " +
                "which its encodedLength gave " + declared + "; the two must agree (a record's room in a ring is " +
                "claimed from encodedLength before encode runs)");
        }
    }
}
