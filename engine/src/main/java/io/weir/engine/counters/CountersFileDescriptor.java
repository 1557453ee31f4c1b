package io.weir.engine.counters;

import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Layout of a job's counters file: a header, then Agrona's counters metadata and values buffers
 * ({@link org.agrona.concurrent.status.CountersManager}), one file per running job, mapped by the job and read by
 * any process ({@code weir stat}).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     Magic ("WEIRCNTR")                        |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 Version (0 until the file is ready)           |
 *  +---------------------------------------------------------------+
 *  |                    Metadata buffer length                     |
 *  +---------------------------------------------------------------+
 *  |                     Values buffer length                      |
 *  +---------------------------------------------------------------+
 *  |                      Job name length                          |
 *  +---------------------------------------------------------------+
 *  |                       Process id (pid)                        |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                  Start time (ms since epoch)                  |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |            Job name, UTF-8, up to 88 bytes                   ...
 * ...                                                              |
 *  +---------------------------------------------------------------+
 *  |     Metadata buffer (METADATA_LENGTH bytes per counter)      ...
 * ...                                                              |
 *  +---------------------------------------------------------------+
 *  |      Values buffer (COUNTER_LENGTH bytes per counter)        ...
 * ...                                                              |
 *  +---------------------------------------------------------------+
 * </pre>
 * The writer fills everything, then stores the version with release semantics; a reader that sees version 0 sees
 * a file still being created. Labels are UTF-8. Little-endian throughout (the machine's order, as Agrona's).
 */
public final class CountersFileDescriptor
{
    /** "WEIRCNTR" in ASCII, read as a little-endian long. */
    public static final long MAGIC = 0x52544e4352494557L;
    public static final int VERSION = 1;
    /** Suffix of every counters file's name. */
    public static final String FILE_SUFFIX = ".counters";

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int METADATA_LENGTH_OFFSET = 12;
    public static final int VALUES_LENGTH_OFFSET = 16;
    public static final int JOB_NAME_LENGTH_OFFSET = 20;
    public static final int PID_OFFSET = 24;
    public static final int START_TIME_MS_OFFSET = 32;
    public static final int JOB_NAME_OFFSET = 40;
    /** Two cache lines, so that the buffers after it start cache-aligned. */
    public static final int HEADER_LENGTH = BitUtil.CACHE_LINE_LENGTH * 2;
    public static final int MAX_JOB_NAME_LENGTH = HEADER_LENGTH - JOB_NAME_OFFSET;

    private CountersFileDescriptor()
    {
    }

    /** Values buffer length for {@code counters} counters. */
    public static int valuesLength(final int counters)
    {
        return counters * CountersReader.COUNTER_LENGTH;
    }

    /** Metadata buffer length for {@code counters} counters. */
    public static int metadataLength(final int counters)
    {
        return counters * CountersReader.METADATA_LENGTH;
    }

    public static long fileLength(final int counters)
    {
        return (long)HEADER_LENGTH + metadataLength(counters) + valuesLength(counters);
    }

    /**
     * The file name of a job's counters: its name (characters other than letters, digits, '.', '_' and '-'
     * replaced by '_', at most 64), its pid and, for a second job of the same name in one process, a number.
     */
    public static String fileName(final String jobName, final long pid, final int sequence)
    {
        final StringBuilder name = new StringBuilder();
        for (int i = 0; i < jobName.length() && name.length() < 64; i++)
        {
            final char c = jobName.charAt(i);
            final boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
            name.append(plain ? c : '_');
        }
        name.append('-').append(pid);
        if (sequence > 1)
        {
            name.append('-').append(sequence);
        }
        return name.append(FILE_SUFFIX).toString();
    }

    /** Fill the header except its version; the version goes last ({@link #signalReady}). */
    static void writeHeader(
        final AtomicBuffer header, final int metadataLength, final int valuesLength, final long pid,
        final long startTimeMs, final String jobName)
    {
        final byte[] name = truncatedUtf8(jobName);
        header.putLong(MAGIC_OFFSET, MAGIC);
        header.putInt(METADATA_LENGTH_OFFSET, metadataLength);
        header.putInt(VALUES_LENGTH_OFFSET, valuesLength);
        header.putInt(JOB_NAME_LENGTH_OFFSET, name.length);
        header.putLong(PID_OFFSET, pid);
        header.putLong(START_TIME_MS_OFFSET, startTimeMs);
        header.putBytes(JOB_NAME_OFFSET, name);
    }

    static void signalReady(final AtomicBuffer header)
    {
        header.putIntRelease(VERSION_OFFSET, VERSION);
    }

    /** The header of a mapped file, as the first {@link #HEADER_LENGTH} bytes of {@code file}. */
    static UnsafeBuffer header(final ByteBuffer file)
    {
        return new UnsafeBuffer(file, 0, HEADER_LENGTH);
    }

    static UnsafeBuffer metadata(final ByteBuffer file, final UnsafeBuffer header)
    {
        return new UnsafeBuffer(file, HEADER_LENGTH, header.getInt(METADATA_LENGTH_OFFSET));
    }

    static UnsafeBuffer values(final ByteBuffer file, final UnsafeBuffer header)
    {
        return new UnsafeBuffer(
            file, HEADER_LENGTH + header.getInt(METADATA_LENGTH_OFFSET), header.getInt(VALUES_LENGTH_OFFSET));
    }

    static String jobName(final UnsafeBuffer header)
    {
        final int length = Math.min(header.getInt(JOB_NAME_LENGTH_OFFSET), MAX_JOB_NAME_LENGTH);
        final byte[] name = new byte[Math.max(0, length)];
        header.getBytes(JOB_NAME_OFFSET, name);
        return new String(name, StandardCharsets.UTF_8);
    }

    private static byte[] truncatedUtf8(final String jobName)
    {
        byte[] name = jobName.getBytes(StandardCharsets.UTF_8);
        int chars = jobName.length();
        while (name.length > MAX_JOB_NAME_LENGTH)
        {
            chars--;
            name = jobName.substring(0, chars).getBytes(StandardCharsets.UTF_8);
        }
        return name;
    }
}
