"""Pages of the Streamlit what-if explorer (app.py): thin shells over cdn.whatif and the libraries."""
