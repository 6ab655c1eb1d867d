"""Generator bodies, one module per family. Each module registers its categories on import."""
