"""smbcore: decisions from a small business's own data (customers, forecasts, plans), with no Streamlit inside."""

__version__ = "0.1.0"
