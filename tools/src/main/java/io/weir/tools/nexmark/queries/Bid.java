package io.weir.tools.nexmark.queries;

import io.weir.api.codec.FixedLayoutCodec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** A bid's numeric fields (docs/nexmark.md, section 2), parsed from its CSV line. Mutable, reusable. */
public final class Bid
{
    public long auction;
    public long bidder;
    public long price;
    public long dateTime;

    /** Whether {@code line} is a bid's. */
    public static boolean isBid(final String line)
    {
        return line.startsWith("B,");
    }

    /** {@code B,auction,bidder,price,channel,url,date_time}. */
    public static Bid parse(final String line)
    {
        final Bid bid = new Bid();
        int from = 2;
        int to = line.indexOf(',', from);
        bid.auction = Long.parseLong(line, from, to, 10);
        from = to + 1;
        to = line.indexOf(',', from);
        bid.bidder = Long.parseLong(line, from, to, 10);
        from = to + 1;
        to = line.indexOf(',', from);
        bid.price = Long.parseLong(line, from, to, 10);
        bid.dateTime = Long.parseLong(line, line.lastIndexOf(',') + 1, line.length(), 10);
        return bid;
    }

    /** The event time of any event's line: its {@code date_time} (the 7th field of an auction, else the last). */
    public static long dateTime(final String line)
    {
        if (line.startsWith("A,"))
        {
            int at = 0;
            for (int field = 0; field < 6; field++)
            {
                at = line.indexOf(',', at) + 1;
            }
            return Long.parseLong(line, at, line.indexOf(',', at), 10);
        }
        return Long.parseLong(line, line.lastIndexOf(',') + 1, line.length(), 10);
    }

    /** Four longs. */
    public static final class Codec extends FixedLayoutCodec<Bid>
    {
        public static final Codec INSTANCE = new Codec();

        private Codec()
        {
            super("nexmark-bid", 32);
        }

        protected void write(final Bid value, final MutableDirectBuffer buffer, final int offset)
        {
            buffer.putLong(offset, value.auction);
            buffer.putLong(offset + 8, value.bidder);
            buffer.putLong(offset + 16, value.price);
            buffer.putLong(offset + 24, value.dateTime);
        }

        protected Bid read(final DirectBuffer buffer, final int offset, final Bid reuse)
        {
            final Bid bid = reuse != null ? reuse : new Bid();
            bid.auction = buffer.getLong(offset);
            bid.bidder = buffer.getLong(offset + 8);
            bid.price = buffer.getLong(offset + 16);
            bid.dateTime = buffer.getLong(offset + 24);
            return bid;
        }
    }
}
