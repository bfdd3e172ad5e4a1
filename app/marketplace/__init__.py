"""The marketplace: prebuilt connectors to browse and install (the connectors tab); blueprints arrive with the
marketplace issue."""
