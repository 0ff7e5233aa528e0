{{%AUTOESCAPE context="HTML"}}
{{>LAYOUT_TOP}}
<div class="title-row">
  <h1>People</h1>
  <a class="button primary" href="/people/new">Add a person</a>
</div>
<form method="get" action="/people" class="search" role="search">
  <label for="q">Search by name, email or username</label>
  <input id="q" name="q" type="search" value="{{SEARCH}}" maxlength="100">
  <button type="submit">Search</button>
  {{#SEARCHING}}<a href="/people">Clear</a>{{/SEARCHING}}
</form>
{{#NO_PEOPLE}}<p class="empty">No people found.</p>{{/NO_PEOPLE}}
<table class="people">
<thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Username</th><th scope="col">Access</th></tr></thead>
<tbody>
{{#PERSON}}
<tr><td><a href="/people/edit?id={{ID}}">{{NAME}}</a>{{#INACTIVE}} <span class="badge">inactive</span>{{/INACTIVE}}{{#TOKEN_EXPIRES_SOON}} <span class="badge badge-warning" title="Create a new token on the record before it expires">token expires in {{TOKEN_DAYS_LEFT}} days</span>{{/TOKEN_EXPIRES_SOON}}{{#TOKEN_EXPIRES_TOMORROW}} <span class="badge badge-warning" title="Create a new token on the record before it expires">token expires in 1 day</span>{{/TOKEN_EXPIRES_TOMORROW}}</td><td>{{EMAIL}}</td><td>{{USERNAME}}</td><td>{{ACCESS_LABEL}}</td></tr>
{{/PERSON}}
</tbody>
</table>
<nav class="pager" aria-label="Pages">
  {{#PREVIOUS_PAGE}}<a rel="prev" href="{{HREF}}">← Previous</a>{{/PREVIOUS_PAGE}}
  {{#NEXT_PAGE}}<a rel="next" href="{{HREF}}">Next →</a>{{/NEXT_PAGE}}
</nav>
{{>LAYOUT_BOTTOM}}
