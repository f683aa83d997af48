"""ProcessMaker 3 cases API suite (seed 004; VF "ProcessMaker 3")."""
