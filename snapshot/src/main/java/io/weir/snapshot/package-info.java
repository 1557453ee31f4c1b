/**
 * Weir's on-disk checkpoint formats, with no engine types so offline tools can read them.
 * <ul>
 *   <li>{@link io.weir.snapshot.SnapshotFileWriter} / {@link io.weir.snapshot.SnapshotFileReader}: FULL and DELTA
 *   data files, organised in CRC32C-framed blocks per key group with an index and a footer
 *   ({@link io.weir.snapshot.SnapshotFileDescriptor}).</li>
 *   <li>{@link io.weir.snapshot.ChainResolver} and {@link io.weir.snapshot.Compactor}: a FULL base plus DELTA files
 *   resolved to the state they describe, and compacted into a new base.</li>
 *   <li>{@link io.weir.snapshot.CheckpointManifest}, {@link io.weir.snapshot.ManifestCodec}
 *   ({@link io.weir.snapshot.ManifestDescriptor}) and {@link io.weir.snapshot.CheckpointDirectory}: what a
 *   checkpoint consists of, its atomic publication, verification, fallback on restore, and retention.</li>
 * </ul>
 */
package io.weir.snapshot;
