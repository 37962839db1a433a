"""Pages through ``streamlit.testing.v1.AppTest``."""
