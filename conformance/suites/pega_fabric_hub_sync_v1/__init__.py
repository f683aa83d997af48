"""The Pega Process Fabric Hub data synchronization suite (seed 002, VF "Pega Process Fabric Hub")."""
