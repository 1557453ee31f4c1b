package io.weir.tools.nexmark.queries;

import io.weir.api.codec.Codec;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A {@link NexmarkEvent} as bytes: a kind byte, the kind's longs, then its strings as a 2-byte length and ASCII
 * bytes. {@link #decode} fills {@code reuse} (a new event when it is null) and allocates nothing: a city or a
 * state is one of the generator's words, found by comparison (another word allocates its string).
 * Stateless; any thread.
 */
public final class NexmarkEventCodec implements Codec<NexmarkEvent>
{
    public static final NexmarkEventCodec INSTANCE = new NexmarkEventCodec();

    private NexmarkEventCodec()
    {
    }

    public String id()
    {
        return "nexmark-event";
    }

    public int fixedLength()
    {
        return VARIABLE_LENGTH;
    }

    public int encodedLength(final NexmarkEvent event)
    {
        return switch (event.kind())
        {
            case PERSON ->
            {
                final NexmarkEvent.Person p = event.person();
                yield 1 + 2 * 8 + 5 * 2 + p.name.length() + p.email.length() + p.creditCard.length() +
                    p.city.length() + p.state.length();
            }
            case AUCTION ->
            {
                final NexmarkEvent.Auction a = event.auction();
                yield 1 + 7 * 8 + 2 * 2 + a.itemName.length() + a.description.length();
            }
            case BID ->
            {
                final NexmarkEvent.Bid b = event.bid();
                yield 1 + 4 * 8 + 2 * 2 + b.channel.length() + b.url.length();
            }
        };
    }

    public int encode(final NexmarkEvent event, final MutableDirectBuffer buffer, final int offset)
    {
        int at = offset;
        buffer.putByte(at++, (byte)event.kind().tag());
        switch (event.kind())
        {
            case PERSON ->
            {
                final NexmarkEvent.Person p = event.person();
                buffer.putLong(at, p.id);
                buffer.putLong(at + 8, p.dateTime);
                at += 16;
                at = putString(buffer, at, p.name);
                at = putString(buffer, at, p.email);
                at = putString(buffer, at, p.creditCard);
                at = putString(buffer, at, p.city);
                at = putString(buffer, at, p.state);
            }
            case AUCTION ->
            {
                final NexmarkEvent.Auction a = event.auction();
                buffer.putLong(at, a.id);
                buffer.putLong(at + 8, a.initialBid);
                buffer.putLong(at + 16, a.reserve);
                buffer.putLong(at + 24, a.dateTime);
                buffer.putLong(at + 32, a.expires);
                buffer.putLong(at + 40, a.seller);
                buffer.putLong(at + 48, a.category);
                at += 56;
                at = putString(buffer, at, a.itemName);
                at = putString(buffer, at, a.description);
            }
            case BID ->
            {
                final NexmarkEvent.Bid b = event.bid();
                buffer.putLong(at, b.auction);
                buffer.putLong(at + 8, b.bidder);
                buffer.putLong(at + 16, b.price);
                buffer.putLong(at + 24, b.dateTime);
                at += 32;
                at = putString(buffer, at, b.channel);
                at = putString(buffer, at, b.url);
            }
        }
        return at - offset;
    }

    public NexmarkEvent decode(final DirectBuffer buffer, final int offset, final int length, final NexmarkEvent reuse)
    {
        final NexmarkEvent event = reuse != null ? reuse : new NexmarkEvent();
        int at = offset + 1;
        switch (buffer.getByte(offset))
        {
            case 'P' ->
            {
                event.kind(NexmarkEvent.Kind.PERSON);
                final NexmarkEvent.Person p = event.person();
                p.id = buffer.getLong(at);
                p.dateTime = buffer.getLong(at + 8);
                at += 16;
                at = getString(buffer, at, p.name);
                at = getString(buffer, at, p.email);
                at = getString(buffer, at, p.creditCard);
                p.city = getWord(buffer, at, NexmarkEvent.US_CITIES);
                at += 2 + (buffer.getShort(at) & 0xFFFF);
                p.state = getWord(buffer, at, NexmarkEvent.US_STATES);
            }
            case 'A' ->
            {
                event.kind(NexmarkEvent.Kind.AUCTION);
                final NexmarkEvent.Auction a = event.auction();
                a.id = buffer.getLong(at);
                a.initialBid = buffer.getLong(at + 8);
                a.reserve = buffer.getLong(at + 16);
                a.dateTime = buffer.getLong(at + 24);
                a.expires = buffer.getLong(at + 32);
                a.seller = buffer.getLong(at + 40);
                a.category = buffer.getLong(at + 48);
                at += 56;
                at = getString(buffer, at, a.itemName);
                getString(buffer, at, a.description);
            }
            case 'B' ->
            {
                event.kind(NexmarkEvent.Kind.BID);
                final NexmarkEvent.Bid b = event.bid();
                b.auction = buffer.getLong(at);
                b.bidder = buffer.getLong(at + 8);
                b.price = buffer.getLong(at + 16);
                b.dateTime = buffer.getLong(at + 24);
                at += 32;
                at = getString(buffer, at, b.channel);
                getString(buffer, at, b.url);
            }
            default -> throw new IllegalArgumentException("not an encoded Nexmark event: kind byte " +
                buffer.getByte(offset) + " at offset " + offset);
        }
        return event;
    }

    public String format(final DirectBuffer buffer, final int offset, final int length)
    {
        final StringBuilder line = new StringBuilder();
        decode(buffer, offset, length, null).appendCsv(line);
        return line.toString();
    }

    private static int putString(final MutableDirectBuffer buffer, final int offset, final AsciiText text)
    {
        buffer.putShort(offset, (short)text.length());
        return offset + 2 + text.putInto(buffer, offset + 2);
    }

    /** A city or a state: a plain string, a character per byte. */
    private static int putString(final MutableDirectBuffer buffer, final int offset, final String text)
    {
        final int length = text.length();
        buffer.putShort(offset, (short)length);
        for (int i = 0; i < length; i++)
        {
            buffer.putByte(offset + 2 + i, (byte)text.charAt(i));
        }
        return offset + 2 + length;
    }

    private static int getString(final DirectBuffer buffer, final int offset, final AsciiText into)
    {
        final int length = buffer.getShort(offset) & 0xFFFF;
        into.readFrom(buffer, offset + 2, length);
        return offset + 2 + length;
    }

    /** The word of {@code words} the bytes spell, else a new string of them. */
    private static String getWord(final DirectBuffer buffer, final int offset, final String[] words)
    {
        final int length = buffer.getShort(offset) & 0xFFFF;
        for (final String word : words)
        {
            if (word.length() == length && spells(buffer, offset + 2, word))
            {
                return word;
            }
        }
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset + 2, bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static boolean spells(final DirectBuffer buffer, final int offset, final String word)
    {
        for (int i = 0; i < word.length(); i++)
        {
            if (buffer.getByte(offset + i) != word.charAt(i))
            {
                return false;
            }
        }
        return true;
    }
}
