package io.weir.tools.io;

/** A reusable output row of up to five longs, written as one CSV line. */
public final class LongRow
{
    public static final int MAX_ARITY = 5;

    private final long[] values = new long[MAX_ARITY];
    private int arity;

    public LongRow set(final long a, final long b, final long c)
    {
        values[0] = a;
        values[1] = b;
        values[2] = c;
        arity = 3;
        return this;
    }

    public LongRow set(final long a, final long b, final long c, final long d)
    {
        set(a, b, c);
        values[3] = d;
        arity = 4;
        return this;
    }

    public LongRow set(final long a, final long b, final long c, final long d, final long e)
    {
        set(a, b, c, d);
        values[4] = e;
        arity = 5;
        return this;
    }

    public int arity()
    {
        return arity;
    }

    public long value(final int index)
    {
        return values[index];
    }

    public String toString()
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < arity; i++)
        {
            sb.append(i == 0 ? "" : ",").append(values[i]);
        }
        return sb.toString();
    }
}
