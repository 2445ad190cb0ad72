"""Media processing with PyAV: probing, analysis, renditions, the job queue and its workers.

The modules that run inside worker processes (probe, tags, cover, analysis, renditions,
pipeline) import no database or web code, so a worker process starts light.
"""
