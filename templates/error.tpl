{{%AUTOESCAPE context="HTML"}}
{{>LAYOUT_TOP}}
<h1>{{TITLE}}</h1>
<p class="message">{{MESSAGE}}</p>
<p><a href="/people">Back to People</a></p>
{{>LAYOUT_BOTTOM}}
