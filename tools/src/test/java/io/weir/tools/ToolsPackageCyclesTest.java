package io.weir.tools;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tools module's own packages have no cycles: {@code io.weir.tools.cli} (the {@code weir} entry point and the
 * {@code job} command) sits on top of the other commands, which share the helpers in {@code io.weir.tools.common}
 * and never depend back on the entry point.
 */
class ToolsPackageCyclesTest
{
    private static final JavaClasses TOOLS = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.weir.tools");

    @Test
    void shouldHaveNoPackageCyclesInTheToolsModule()
    {
        for (final String type : new String[] {"io.weir.tools.cli.WeirCli", "io.weir.tools.bench.BenchCommand",
            "io.weir.tools.nexmark.queries.NexmarkQueries", "io.weir.tools.jobs.ReferenceJobs"})
        {
            assertTrue(TOOLS.contain(type), "imported " + type);
        }
        slices().matching("io.weir.tools.(**)").should().beFreeOfCycles().check(TOOLS);
    }

    @Test
    void shouldKeepTheEntryPointOnTop()
    {
        noClasses().that().resideOutsideOfPackage("io.weir.tools.cli")
            .should().dependOnClassesThat().resideInAPackage("io.weir.tools.cli")
            .check(TOOLS);
    }
}
