"""Views of the top app, one module per page family (dashboard, procurement, activities, ...)."""
