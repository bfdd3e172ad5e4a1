"""Process flows: models, the editor, the shapes and the engine that runs them."""
