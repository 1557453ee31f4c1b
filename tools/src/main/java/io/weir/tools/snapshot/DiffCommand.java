package io.weir.tools.snapshot;

import io.weir.snapshot.CheckpointManifest;
import io.weir.tools.common.Conventions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code weir snapshot diff A B}: the entries added, removed and changed between two checkpoints, per state. */
@Command(
    name = "diff",
    customSynopsis = "weir snapshot diff CHECKPOINT_A CHECKPOINT_B [--operator UID] [--limit N]",
    header = "keys added, removed and changed, per state",
    description = {
        "Compares the live, decoded entries (as 'dump' shows them) of two checkpoints or savepoints. Entries are",
        "matched by state name, key and subkey (list index, map user key, namespace); a changed entry has a",
        "different decoded value. Prints per state the counts of added, removed and changed entries, then a",
        "listing (+ added, - removed, ~ changed) of at most N entries in all, then the totals. With --operator only",
        "that keyed operator's states are compared; without it, in checkpoints of several operators, every",
        "operator's, each state named UID/NAME. Exit 0 whether or not they differ. Holds both checkpoints' entries",
        "in memory."})
final class DiffCommand extends SnapshotCommand.Subcommand
{
    @Parameters(index = "0", paramLabel = "CHECKPOINT_A", description = "the earlier checkpoint")
    private String checkpointA;

    @Parameters(index = "1", paramLabel = "CHECKPOINT_B", description = "the later checkpoint")
    private String checkpointB;

    @Option(names = "--limit", paramLabel = "N", description = "entries listed (default ${DEFAULT-VALUE}; 0 lists none)")
    private long limit = 100;

    @Option(names = "--operator", paramLabel = "UID", description = "only the states of this keyed operator (see " +
        "'weir snapshot show')")
    private String operator;

    DiffCommand(final PrintStream out, final PrintStream err)
    {
        super(out, err);
    }

    @Override
    int run()
    {
        Conventions.range(spec, "--limit", limit, 0, Long.MAX_VALUE);
        final CheckpointLocator.Located a = CheckpointLocator.locate(command(), checkpointA, -1);
        final CheckpointLocator.Located b = CheckpointLocator.locate(command(), checkpointB, -1);
        final Map<String, Map<String, DecodedEntry>> before = load(a, operator);
        final Map<String, Map<String, DecodedEntry>> after = load(b, operator);

        final Set<String> states = new LinkedHashSet<>(before.keySet());
        states.addAll(after.keySet());
        out.println("diff " + a.listing().directory() + " -> " + b.listing().directory());
        final List<String> listing = new ArrayList<>();
        long added = 0;
        long removed = 0;
        long changed = 0;
        long listed = 0;
        long unlisted = 0;
        for (final String state : states)
        {
            final Map<String, DecodedEntry> from = before.getOrDefault(state, Map.of());
            final Map<String, DecodedEntry> to = after.getOrDefault(state, Map.of());
            long stateAdded = 0;
            long stateRemoved = 0;
            long stateChanged = 0;
            listing.clear();
            for (final DecodedEntry old : from.values())
            {
                final DecodedEntry now = to.get(old.identity());
                if (now == null)
                {
                    stateRemoved++;
                    listing.add("  - " + describe(old) + " = " + old.value());
                }
                else if (!now.value().equals(old.value()))
                {
                    stateChanged++;
                    listing.add("  ~ " + describe(now) + ": " + old.value() + " -> " + now.value());
                }
            }
            for (final DecodedEntry now : to.values())
            {
                if (!from.containsKey(now.identity()))
                {
                    stateAdded++;
                    listing.add("  + " + describe(now) + " = " + now.value());
                }
            }
            out.println("state " + state + ": " + stateAdded + " added, " + stateRemoved + " removed, " + stateChanged +
                " changed (" + from.size() + " -> " + to.size() + " entries)" +
                (!before.containsKey(state) ? ", only in B" : !after.containsKey(state) ? ", only in A" : ""));
            for (final String line : listing)
            {
                if (listed < limit)
                {
                    out.println(line);
                    listed++;
                }
                else
                {
                    unlisted++;
                }
            }
            added += stateAdded;
            removed += stateRemoved;
            changed += stateChanged;
        }
        if (unlisted > 0)
        {
            out.println("  ... " + unlisted + " more not listed (--limit " + limit + ")");
        }
        out.println("total: " + added + " added, " + removed + " removed, " + changed + " changed");
        return 0;
    }

    /**
     * @param operator the one operator to load; null for every operator.
     * @return per state name (in manifest order; {@code UID/NAME} when several operators are loaded), entries by
     *         identity in dump order.
     */
    private static Map<String, Map<String, DecodedEntry>> load(
        final CheckpointLocator.Located located, final String operator)
    {
        final CheckpointManifest manifest = located.readManifest();
        final Map<String, Map<String, DecodedEntry>> byState = new LinkedHashMap<>();
        final List<String> operators = manifest.operators();
        if (null != operator || operators.size() <= 1)
        {
            load(located, DumpCommand.operatorView(located, manifest, operator), "", byState);
        }
        else
        {
            for (final String uid : operators)
            {
                load(located, manifest.forOperator(uid), uid + "/", byState);
            }
        }
        return byState;
    }

    private static void load(
        final CheckpointLocator.Located located,
        final CheckpointManifest view,
        final String prefix,
        final Map<String, Map<String, DecodedEntry>> byState)
    {
        for (final CheckpointManifest.StateDescriptor state : view.states())
        {
            byState.put(prefix + state.name(), new LinkedHashMap<>());
        }
        CheckpointEntries.forEach(located, view, -1, CheckpointEntries.ALL_KEY_GROUPS, null,
            entry -> byState.computeIfAbsent(prefix + entry.state(), s -> new LinkedHashMap<>())
                .put(entry.identity(), entry));
    }

    private static String describe(final DecodedEntry entry)
    {
        return "keyGroup " + entry.keyGroup() + " key " + entry.key() +
            (entry.subkey().isEmpty() ? "" : " subkey " + entry.subkey());
    }
}
