"""Running the pipeline on stored photos and keeping and presenting its results."""
