{{%AUTOESCAPE context="HTML"}}
</main>
</body>
</html>
