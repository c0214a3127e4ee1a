"""Business rules as plain functions over the models.

Each public function takes explicit arguments (the acting user among them), is one
unit of work, and raises gridapp.errors on failure. Nothing here reads the request.
"""
