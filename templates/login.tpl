{{%AUTOESCAPE context="HTML"}}
{{>LAYOUT_TOP}}
<section class="signin">
<h1>Sign in</h1>
{{#SIGNED_OUT}}<p class="notice" role="status">You are signed out.</p>{{/SIGNED_OUT}}
{{#HAS_ERROR}}<p class="error" role="alert" id="signin-error">{{ERROR}}</p>{{/HAS_ERROR}}
<form method="post" action="/login">
  <input type="hidden" name="csrf_token" value="{{LOGIN_CSRF}}">
  <input type="hidden" name="next" value="{{NEXT}}">
  <p><label for="username">Username</label>
  <input id="username" name="username" value="{{USERNAME}}" autocomplete="username" required autofocus maxlength="64"></p>
  <p><label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></p>
  <p><button type="submit" class="primary">Sign in</button></p>
</form>
</section>
{{>LAYOUT_BOTTOM}}
