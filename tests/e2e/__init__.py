"""A real ``streamlit run app.py`` driven by Playwright and Debian chromium."""
