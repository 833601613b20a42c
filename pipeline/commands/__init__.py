"""Click commands of the stages (mounted by pipeline.cli); they touch no database."""
