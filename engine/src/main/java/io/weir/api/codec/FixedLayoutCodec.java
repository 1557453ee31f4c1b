package io.weir.api.codec;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Base for codecs of fixed-layout records: every value takes {@link #fixedLength()} bytes, written field by
 * field at fixed offsets. Subclasses write and read the fields; the base checks the length once at the edge.
 * <pre>{@code
 * final class PointCodec extends FixedLayoutCodec<Point> {
 *     PointCodec() { super("point-v1", 16); }
 *     protected void write(Point p, MutableDirectBuffer b, int o) { b.putLong(o, p.x); b.putLong(o + 8, p.y); }
 *     protected Point read(DirectBuffer b, int o, Point reuse) {
 *         Point p = reuse != null ? reuse : new Point(); p.x = b.getLong(o); p.y = b.getLong(o + 8); return p; }
 * }
 * }</pre>
 */
public abstract class FixedLayoutCodec<T> implements Codec<T>
{
    private final String id;
    private final int lengthBytes;

    /** A codec with the stable {@code id} whose values always take {@code lengthBytes} bytes. */
    protected FixedLayoutCodec(final String id, final int lengthBytes)
    {
        if (lengthBytes <= 0)
        {
            throw new IllegalArgumentException("fixed layout length must be positive: " + lengthBytes);
        }
        this.id = id;
        this.lengthBytes = lengthBytes;
    }

    /** Writes {@code value} at {@code offset}, exactly the codec's length in bytes. */
    protected abstract void write(T value, MutableDirectBuffer buffer, int offset);

    /** Reads the value at {@code offset}, into {@code reuse} when it is not null. */
    protected abstract T read(DirectBuffer buffer, int offset, T reuse);

    public final String id()
    {
        return id;
    }

    public final int fixedLength()
    {
        return lengthBytes;
    }

    public final int encodedLength(final T value)
    {
        return lengthBytes;
    }

    public final int encode(final T value, final MutableDirectBuffer buffer, final int offset)
    {
        write(value, buffer, offset);
        return lengthBytes;
    }

    public final T decode(final DirectBuffer buffer, final int offset, final int length, final T reuse)
    {
        if (length != lengthBytes)
        {
            throw new IllegalStateException(
                "codec " + id + " expects " + lengthBytes + " bytes but the stored value has " + length);
        }
        return read(buffer, offset, reuse);
    }
}
