package io.weir.snapshot;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Layout of a checkpoint MANIFEST file. Little-endian; strings are an int length followed by UTF-8 bytes.
 * <pre>
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------------------------------------------------------+
 *   |                    Magic "WEIRMANI" (8 bytes)                 |  0
 *   +---------------------------------------------------------------+
 *   |                        Format Version                         |  8
 *   +---------------------------------------------------------------+
 *   |                          Body Length                          |  12
 *   +---------------------------------------------------------------+
 *   |                            Body                              ...  16
 *   +---------------------------------------------------------------+
 *   |          CRC32C (over magic .. end of body)                   |  16 + bodyLength
 *   +---------------------------------------------------------------+
 *
 *   Body, in order:
 *     checkpointId long, kind int (1=CHECKPOINT, 2=SAVEPOINT), creationTimeMs long,
 *     maxParallelism int, backendName string,
 *     shardCount int, then per shard:
 *       shardId int, firstKeyGroup int, lastKeyGroup int, watermark long, timerCount long,
 *       fileCount int, then per file (base first): name string, sizeBytes long, fileKind int (1=FULL, 2=DELTA),
 *       hasTimers int (0 or 1), then if 1 the timer file: name string, sizeBytes long, fileKind int,
 *       operator string (the operator's uid; empty for the only operator of a job without uids)
 *     sourceCount int, then per source: sourceName string, position long, line long
 *     stateCount int, then per state: stateId int, name string, kind string, keyCodecId string,
 *       valueCodecId string, userKeyCodecId string, ttlMs long, operator string
 *     broadcastCount int, then per keyed broadcast operator: operator string, then its broadcast state file:
 *       name string, sizeBytes long, fileKind int
 *     propertyCount int, then per property (sorted by key): key string, value string
 * </pre>
 */
public final class ManifestDescriptor
{
    public static final ByteOrder BYTE_ORDER = ByteOrder.LITTLE_ENDIAN;
    /**
     * 3: shard states and states name their operator (jobs of several keyed operators); 4: list state in chunks;
     * 5: broadcast state files; 6: the same body, written by builds that pack small map states into one entry and
     * record their state layout (property {@code state.layout}), which builds reading only version 5 would misread.
     * A manifest of another version, except {@link #MIN_READ_VERSION} and later, is refused, naming the file and
     * the version.
     */
    public static final int FORMAT_VERSION = 6;
    /** The earliest version this build reads: 5, whose body is that of 6. */
    public static final int MIN_READ_VERSION = 5;
    /** "WEIRMANI" as ASCII. */
    public static final byte[] MAGIC = "WEIRMANI".getBytes(StandardCharsets.US_ASCII);
    public static final int MAGIC_LENGTH = 8;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int BODY_LENGTH_OFFSET = 12;
    public static final int BODY_OFFSET = 16;
    public static final int CRC_LENGTH = 4;

    /** Largest state id: state ids are 16-bit in state keys. */
    public static final int MAX_STATE_ID = 0xFFFF;

    /** Longest MANIFEST a reader accepts, checked before reading it: far beyond any job's, bounds memory. */
    public static final int MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

    /** Name of the manifest file in a checkpoint or savepoint directory. */
    public static final String MANIFEST_FILE_NAME = "MANIFEST";

    private ManifestDescriptor()
    {
    }
}
