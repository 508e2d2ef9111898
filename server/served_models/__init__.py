"""Serving declarations: one package per served model, saying in one place what the server does
for it (wire types and decoder, limits, routes, queue bound, answers). `registered.py` lists them;
the app factory builds the routes and the model registry from that list."""
