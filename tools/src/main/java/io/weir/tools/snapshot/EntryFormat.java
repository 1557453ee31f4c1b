package io.weir.tools.snapshot;

import java.io.PrintStream;
import java.util.Locale;

/** How {@code weir snapshot dump} prints entries: CSV with a header, or one JSON object per line. */
enum EntryFormat
{
    CSV
    {
        void begin(final PrintStream out)
        {
            out.println("state,keyGroup,key,subkey,value");
        }

        void print(final PrintStream out, final DecodedEntry entry)
        {
            out.println(csv(entry.state()) + ',' + entry.keyGroup() + ',' + csv(entry.key()) + ',' +
                csv(entry.subkey()) + ',' + csv(entry.value()));
        }
    },

    JSON
    {
        void begin(final PrintStream out)
        {
        }

        void print(final PrintStream out, final DecodedEntry entry)
        {
            final StringBuilder sb = new StringBuilder(64);
            sb.append("{\"state\":");
            json(sb, entry.state());
            sb.append(",\"keyGroup\":").append(entry.keyGroup()).append(",\"key\":");
            json(sb, entry.key());
            sb.append(",\"subkey\":");
            json(sb, entry.subkey());
            sb.append(",\"value\":");
            json(sb, entry.value());
            if (entry.ttlTimestampMs() != DecodedEntry.NO_TTL_TIMESTAMP)
            {
                sb.append(",\"ttlTimestampMs\":").append(entry.ttlTimestampMs());
            }
            out.println(sb.append('}'));
        }
    };

    abstract void begin(PrintStream out);

    abstract void print(PrintStream out, DecodedEntry entry);

    static EntryFormat of(final String name)
    {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    static String csv(final String field)
    {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0 && field.indexOf('\r') < 0)
        {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }

    static void json(final StringBuilder sb, final String value)
    {
        sb.append('"');
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            switch (c)
            {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
