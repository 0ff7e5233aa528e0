{{%AUTOESCAPE context="HTML"}}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}} · Admin</title>
<link rel="stylesheet" href="/static/site.css">
<link rel="icon" href="data:,">
</head>
<body>
<header class="site-header">
  <a class="site-name" href="/people">Admin</a>
  {{#SIGNED_IN}}
  <nav aria-label="Main"><a href="/people">People</a> <a href="/collections">Collections</a></nav>
  <div class="who">
    <span>{{DISPLAY_NAME}} <span class="access">({{ACCESS_LABEL}})</span></span>
    <form method="post" action="/logout" class="inline">
      <input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
      <button type="submit" class="link-button">Sign out</button>
    </form>
  </div>
  {{/SIGNED_IN}}
</header>
<main>
