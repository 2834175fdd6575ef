"""Qt adapters that run the engines (sync/, player/) on the task lanes and re-emit their news as signals."""
