package io.weir.tools;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library modules on this module's classpath (snapshot, engine, offheap-state, lmdb-state) have no package
 * that depends on itself through others. The engine's own structure is checked in its PackageStructureTest.
 */
class LibraryPackageCyclesTest
{
    @Test
    void shouldHaveNoPackageCyclesInTheLibraryModules()
    {
        final JavaClasses library = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.weir")
            .that(JavaClass.Predicates.resideOutsideOfPackage("io.weir.tools.."));
        for (final String type : new String[] {"io.weir.snapshot.CheckpointManifest", "io.weir.engine.WeirJob",
            "io.weir.state.offheap.ChronicleKeyedStateStore", "io.weir.state.lmdb.LmdbKeyedStateStore"})
        {
            assertTrue(library.contain(type), "imported " + type);
        }
        slices().matching("io.weir.(**)").should().beFreeOfCycles().check(library);
    }
}
